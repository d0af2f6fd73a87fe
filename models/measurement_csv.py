"""KPI measurements uploaded as CSV (`kpi,value,measured_at,source`): every row checked before any is stored."""

import csv
import io
from collections.abc import Collection

from pydantic import ValidationError

from models.errors import InvalidInput
from models.schemas import MeasurementCreate
from models.settings import local_today

REQUIRED_COLUMNS = ("kpi", "value", "measured_at")
OPTIONAL_COLUMNS = ("source",)
MAX_REPORTED_ERRORS = 100


class CsvRejected(InvalidInput):
    """The file has rows that do not parse; `errors` names each by line. Nothing of the file is stored."""

    def __init__(self, errors: list[dict]):
        super().__init__(f"{len(errors)} problem(s) in the file; nothing was stored")
        self.errors = errors[:MAX_REPORTED_ERRORS]


def _value(text: str) -> str:
    """A decimal comma is what a Russian spreadsheet writes in a quoted cell: "12,5" means 12.5."""
    stripped = text.strip()
    return stripped.replace(",", ".") if stripped.count(",") == 1 and "." not in stripped else stripped


def _records(reader: csv.DictReader, errors: list[dict]):
    """(line, record) of each row; a row the csv module cannot read (a cell over its size limit, say) is an
    error of that line, and ends the reading: the reader cannot tell where the next row starts."""
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            errors.append({"line": reader.line_num + 1, "field": None, "msg": f"the line cannot be read as CSV: {exc}"})
            return
        yield reader.line_num, record


def parse_measurements_csv(text: str, kpi_codes: Collection[str]) -> list[MeasurementCreate]:
    """The measurements of a CSV file with a header row; raise CsvRejected listing every bad line.
    Commas separate the cells, or semicolons, as a spreadsheet set to Russian writes them."""
    header_line = text.split("\n", 1)[0]
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [name.strip().lower() for name in reader.fieldnames or []]
    except csv.Error as exc:
        raise CsvRejected([{"line": 1, "field": "header", "msg": f"the header cannot be read as CSV: {exc}"}]) from exc
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    unknown = [name for name in header if name not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if missing or unknown:
        raise CsvRejected([{"line": 1, "field": "header",
                            "msg": f"the header must be {','.join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)} "
                                   f"(source optional); missing {missing}, unknown {unknown}"}])
    reader.fieldnames = header
    today = local_today()
    rows, errors = [], []
    for line, record in _records(reader, errors):
        if None in record or any(value is None for value in record.values()):
            errors.append({"line": line, "field": None, "msg": "wrong number of cells for the header"})
            continue
        try:
            row = MeasurementCreate(kpi_code=record["kpi"].strip(), value=_value(record["value"]),
                                    measured_at=record["measured_at"].strip(), source=record.get("source") or "")
        except ValidationError as exc:
            errors += [{"line": line, "field": ".".join(map(str, e["loc"])), "msg": e["msg"]} for e in exc.errors()]
            continue
        if row.kpi_code not in kpi_codes:
            errors.append({"line": line, "field": "kpi", "msg": f"'{row.kpi_code}' is not a KPI of this pilot"})
        elif row.measured_at > today:
            errors.append({"line": line, "field": "measured_at", "msg": f"{row.measured_at} is in the future"})
        else:
            rows.append(row)
    if errors:
        raise CsvRejected(errors)
    if not rows:
        raise CsvRejected([{"line": 1, "field": None, "msg": "the file has a header but no measurements"}])
    return rows
