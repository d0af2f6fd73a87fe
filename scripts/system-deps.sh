#!/usr/bin/env bash
# Install the system packages pilotflow uses besides Python: LibreOffice for the PDF copies of the
# contracts, fonts that have Cyrillic, poppler-utils (the tests read the PDFs' text with pdftotext), and
# Debian's Chromium (the portal's browser tests drive /usr/bin/chromium; nothing downloads a browser).
# apt-get runs only as root where it exists, and this script never fails its caller: without the
# packages the documents stay .docx only (the flows log why), and the PDF and browser tests are skipped
# locally.
cd "$(dirname "$0")/.." || exit 0

if command -v soffice >/dev/null && command -v pdftotext >/dev/null && fc-list 2>/dev/null | grep -q "Liberation Serif" \
   && [ -x /usr/bin/chromium ]
then
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "[pilotflow] LibreOffice or Chromium is missing and needs root and apt-get to install: documents stay" \
       ".docx only, browser tests are skipped; install libreoffice-writer, fonts-liberation, fonts-dejavu," \
       "poppler-utils and chromium" >&2
  exit 0
fi
mkdir -p var/logs
log=var/logs/system-deps.log
echo "[pilotflow] installing LibreOffice Writer, fonts, poppler-utils and Chromium (apt-get; log in $log)"
export DEBIAN_FRONTEND=noninteractive
packages=(fonts-liberation fonts-dejavu poppler-utils chromium)
if ! { apt-get update -qq \
       && { apt-get install -y -qq --no-install-recommends libreoffice-writer-nogui "${packages[@]}" \
            || apt-get install -y -qq --no-install-recommends libreoffice-writer "${packages[@]}"; }; } >"$log" 2>&1
then
  echo "[pilotflow] apt-get could not install them (see $log): documents stay .docx only," \
       "browser tests are skipped" >&2
fi
exit 0
