"""Contract generation speed: contracts per second through pilotflow's full generation (render with
escaping and StrictUndefined, the reproducible re-zip, the content-addressed store with fsync, the
registration row in SQLite), and its ratio to a bare docxtpl render of the same template in the same
run (goal: at most 1.5). The PDF conversion is not part of it: LibreOffice's second per document is
reported separately, once.

    .venv/bin/python bench/contracts.py [--contracts 300] [--language ru]
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from docxtpl import DocxTemplate  # noqa: E402
from jinja2 import Environment  # noqa: E402

from admin.migrate import prepare_database  # noqa: E402
from documents.pdf import PdfUnavailable, convert_to_pdf  # noqa: E402
from documents.registry import register_document  # noqa: E402
from documents.render import TEMPLATES_DIR, render_docx  # noqa: E402
from models.application import submit_application  # noqa: E402
from models.db import session_scope  # noqa: E402
from models.schemas import ApplicationCreate  # noqa: E402
from tests.factories import application  # noqa: E402
from tests.unit.test_documents import contract_context  # noqa: E402

GOAL_RATIO = 1.5


def bare_render(template: Path, context: dict) -> bytes:
    """What docxtpl alone does: load the template, render the tags, save the package."""
    document = DocxTemplate(template)
    document.render(context, jinja_env=Environment(autoescape=True))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def timed(step: Callable[[], object]) -> float:
    started = time.perf_counter()
    step()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contracts", type=int, default=300, help="contracts of each kind (default 300)")
    parser.add_argument("--language", choices=("ru", "en"), default="ru")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="pilotflow-bench-") as work:
        run(args, Path(work))


def run(args: argparse.Namespace, work: Path) -> None:
    # Read on first use (the settings and the engine are cached), so before anything touches the database.
    os.environ.update(PILOTFLOW_DATABASE_URL=f"sqlite:///{work / 'bench.db'}",
                      PILOTFLOW_DOCUMENT_DIR=str(work / "documents"))
    prepare_database()
    with session_scope() as session:
        application_id = submit_application(session, ApplicationCreate(**application()), "bench").id

    template_name = f"contract_{args.language}.docx"
    count = args.contracts
    # A different contract number each time, so every contract is new bytes for the store.
    contexts = [contract_context(args.language, contract_number=f"PF-2026-{i:04d}") for i in range(count + 3)]

    def full_generation(i: int) -> None:
        rendered = render_docx(template_name, contexts[i])
        with session_scope() as session:
            register_document(session, application_id=application_id, pilot_id=None, kind="contract",
                              language=args.language, rendered=rendered, filename=f"{i}.docx", flow_run_id=None)

    def bare(i: int) -> None:
        bare_render(TEMPLATES_DIR / template_name, contexts[i].model_dump())

    for i in range(count, count + 3):  # warm-up: imports, caches, the template on disk
        bare(i)
        full_generation(i)
    bare_times, full_times = [], []
    for i in range(count):  # one of each in turn, so both see the same machine load
        bare_times.append(timed(lambda: bare(i)))
        full_times.append(timed(lambda: full_generation(i)))
    bare_s, full_s = statistics.median(bare_times), statistics.median(full_times)
    ratio = full_s / bare_s

    print(f"template {template_name}, {count} contracts of each kind, taken in turn (medians)")
    print(f"bare docxtpl render + save       {bare_s * 1000:7.1f} ms/contract  {1 / bare_s:6.1f} contracts/s")
    print(f"pilotflow full generation        {full_s * 1000:7.1f} ms/contract  {1 / full_s:6.1f} contracts/s")
    print(f"ratio full / bare                {ratio:7.2f}   (goal <= {GOAL_RATIO}: {'met' if ratio <= GOAL_RATIO else 'NOT met'})")
    try:
        started = time.perf_counter()
        convert_to_pdf(render_docx(template_name, contexts[0]).content)
        print(f"PDF through LibreOffice (once)   {(time.perf_counter() - started) * 1000:7.1f} ms/contract")
    except PdfUnavailable as exc:
        print(f"PDF: {exc}")


if __name__ == "__main__":
    main()
