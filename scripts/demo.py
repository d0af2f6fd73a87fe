"""Push one realistic application through all five stages of a running stack, over the API.

    python scripts/demo.py [--api http://127.0.0.1:8000] [--key KEY] [--out var/demo]

The key defaults to the one scripts/stack.py wrote into var/.env.
"""

import argparse
import json
import os
import random
import time
from datetime import date, timedelta
from pathlib import Path

import httpx
from sqlmodel import Session, create_engine

from admin import local_postgres
from models.settings import local_today  # signatures and measurements are dated in the program's time zone
from models.tables import Methodology, Pilot

RESPONDENTS = 120
COMMENTS = ("Удобно, автобус объявляют заранее", "Громкость хорошая, но в дождь плохо слышно",
            "Водитель теперь ждёт, спасибо", "Иногда метка не срабатывает")

ROOT = Path(__file__).resolve().parents[1]
FINAL = {"COMPLETED", "FAILED", "CANCELLED", "CRASHED"}

SAMPLE_APPLICATION = {
    "company": {
        "name": "ООО «Говорящий город»",
        "registration_number": "7701234567",
        "country": "RU",
        "address": "Москва, ул. Лесная, д. 5",
        "contact_email": "pilot@talking-city.example",
        "signatory_name": "Петров Алексей Игоревич",
        "signatory_title": "Генеральный директор",
    },
    "title": "Talking City: audio navigation at bus stops",
    "description": (
        "A wearable beacon tag and equipment at bus stops and on buses that announce the arriving bus, its route "
        "and direction to blind, visually impaired and low-mobility passengers, and tell the driver that a "
        "passenger who needs help is waiting at the stop. Works with the city's public transport dispatch data."
    ),
    "target_users": "blind and visually impaired passengers, elderly people, wheelchair users",
    "wants_to_test": "whether passengers with visual impairments board the right bus faster and more safely",
    "trl": 7,
    "sector": "transport",
    "setting": "outdoor",
    "needs_power": True,
    "certificates": ["EAC radio equipment declaration"],
    "handles_personal_data": False,
    "language": "ru",
}


def stack_database_url(var: Path) -> str:
    """The stack's pilotflow database: PILOTFLOW_DATABASE_URL when the stack was given one, else the local
    PostgreSQL that scripts/stack.py started in `var`."""
    return os.environ.get("PILOTFLOW_DATABASE_URL") or local_postgres.url(var / "postgres", "pilotflow", "psycopg")


def move_pilot_into_the_past(database_url: str, pilot_id: int) -> tuple[date, date]:
    """The demo's one step outside the API: a pilot adopted today starts weeks ahead, so its dates (and its
    methodology's calendar) are moved back to end yesterday, as if it had been signed months ago. Written to the
    stack's database, like the seed scripts."""
    engine = create_engine(database_url)
    with Session(engine) as session, session.begin():
        pilot = session.get(Pilot, pilot_id)
        methodology = session.get(Methodology, pilot.methodology_id)
        shift = pilot.end_date - (local_today() - timedelta(days=1))
        pilot.start_date, pilot.end_date = pilot.start_date - shift, pilot.end_date - shift
        methodology.start_date, methodology.end_date = pilot.start_date, pilot.end_date
        methodology.checkpoints = [{**c, "date": (date.fromisoformat(c["date"]) - shift).isoformat()}
                                   for c in methodology.checkpoints]
        moved = pilot.start_date, pilot.end_date
    engine.dispose()
    return moved


def measured_series(kpis: list[dict], start: date, checkpoints: list[date]):
    """(day, value, KPI code): two T0 readings near the baseline, then one per checkpoint along a trend with noise
    that passes a primary KPI's target by a fifth of the way and takes a secondary one half of it."""
    noise = random.Random(12)
    for kpi in kpis:
        span = kpi["target"] - kpi["baseline"]
        for days_before in (10, 4):
            yield start - timedelta(days=days_before), round(kpi["baseline"] + noise.gauss(0, 0.04) * span, 3), kpi["code"]
        reach = 1.2 if kpi["primary"] else 0.5
        for number, day in enumerate(checkpoints, start=1):
            value = kpi["baseline"] + span * reach * number / len(checkpoints) + noise.gauss(0, 0.04) * span
            yield day, round(value, 3), kpi["code"]


def citizens_answers(start: date, end: date) -> list[dict]:
    """Paper questionnaires spread over the pilot phase: mostly satisfied, a few not, some with comments."""
    noise = random.Random(7)
    answers = []
    for i in range(RESPONDENTS):
        rating = noise.choices((5, 4, 3, 2), weights=(55, 30, 10, 5))[0]
        answers.append({
            "rating": rating, "nps": min(10, max(0, rating * 2 + noise.choice((-1, 0, 0, 1)))),
            "age_band": noise.choice(("18-34", "35-54", "55-64", "65+", "65+")),
            "has_disability": noise.random() < 0.4,
            "comment": COMMENTS[i % len(COMMENTS)] if i % 6 == 0 else None,
            "answered_on": (start + timedelta(days=noise.randrange((end - start).days + 1))).isoformat(),
        })
    return answers


class Demo:
    def __init__(self, api: str, key: str, out: Path, database_url: str, log=print):
        # Longer than the API's own wait for the Prefect server (PREFECT_API_REQUEST_TIMEOUT, 60 s), so a slow
        # answer of the server reaches the demo as the API's clear 503, not as a timeout of its own.
        self.client = httpx.Client(base_url=api, headers={"X-API-Key": key}, timeout=90)
        self.out = out
        self.database_url = database_url
        self.log = log

    def wait(self, flow_run_id: str, what: str, timeout: float = 300, until_suspended: bool = False) -> dict:
        """Poll the run until it finishes (or, with `until_suspended`, until it waits for a form)."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            run = self.client.get(f"/flow-runs/{flow_run_id}").raise_for_status().json()
            if run["state_name"] != last:
                self.log(f"  {what}: {run['state_name']}")
                last = run["state_name"]
            if until_suspended and run["state_type"] == "PAUSED":
                return run
            if run["state_type"] in FINAL:
                if run["state_type"] != "COMPLETED":
                    raise RuntimeError(f"{what} ended {run['state_name']}; see {run['ui_url']}")
                return run
            time.sleep(1)
        raise TimeoutError(f"{what} did not finish within {timeout:.0f} s")

    def start(self, application_id: int, stage: str, body: dict | None = None) -> str:
        """Start the stage's run; its flow run id."""
        response = self.client.post(f"/applications/{application_id}/stages/{stage}/runs", json=body)
        if response.status_code != 202:
            raise RuntimeError(f"{stage}: {response.status_code} {response.text}")
        return response.json()["flow_run_id"]

    def stage(self, application_id: int, stage: str, body: dict | None = None) -> dict:
        self.wait(self.start(application_id, stage, body), stage)
        return self.application(application_id)

    def contract_sent(self, application_id: int, timeout: float = 120) -> dict:
        """The application's contract once the adoption run generated it and sent it for signature."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            contracts = self.client.get("/contracts", params={"application_id": application_id}).raise_for_status()
            if contracts.json() and contracts.json()[0]["status"] == "sent":
                return contracts.json()[0]
            time.sleep(1)
        raise TimeoutError(f"no contract was sent for signature within {timeout:.0f} s")

    def application(self, application_id: int) -> dict:
        return self.client.get(f"/applications/{application_id}").raise_for_status().json()

    def download(self, document: dict, pdf: bool = False) -> Path:
        response = self.client.get(f"/documents/{document['id']}", params={"format": "pdf" if pdf else "docx"})
        response.raise_for_status()
        self.out.mkdir(parents=True, exist_ok=True)
        path = self.out / document["filename"]
        path = path.with_suffix(".pdf") if pdf else path
        path.write_bytes(response.content)
        return path

    def run(self, application: dict = SAMPLE_APPLICATION) -> dict[str, Path]:
        self.log("1. application")
        accepted = self.client.post("/applications", json=application).raise_for_status().json()
        application_id = accepted["id"]
        self.wait(accepted["flow_run_id"], "pilot-application")
        state = self.application(application_id)
        self.log(f"   {state['registration_number']}: {state['status']}")

        self.log("2. analysis")
        state = self.stage(application_id, "analysis")
        analysis = state["analysis"]
        self.log(f"   score {analysis['score']} / 100; sectors "
                 + ", ".join(s["sector"] for s in analysis["suggested_sectors"][:3]))
        for site in analysis["candidate_sites"][:3]:
            self.log(f"   site {site['code']} {site['name']} ({site['score']}): {'; '.join(site['reasons'])}")

        self.log("3. adoption: the run waits for the coordinator's decision, then for the three signatures")
        run_id = self.start(application_id, "adoption")
        self.wait(run_id, "adoption", until_suspended=True)
        self.client.post(f"/applications/{application_id}/decision", json={
            "decision": "approve", "coordinator": "Сидорова Анна (demo)", "comment": "Methodology adopted as drafted.",
        }).raise_for_status()
        contract = self.contract_sent(application_id)
        self.log(f"   contract {contract['contract_number']} sent for signature")
        for party, signatory in (("company", application["company"]["signatory_name"]),
                                 ("site", "Site director (demo)"), ("agency", "Agency director (demo)")):
            signed = self.client.post(f"/contracts/{contract['id']}/signatures", data={
                "party": party, "signatory_name": signatory, "signed_on": local_today().isoformat()}).raise_for_status()
        self.log(f"   signed by the company, the site and the agency: {signed.json()['activation']}")
        self.wait(run_id, "adoption")
        state = self.application(application_id)
        pilot = state["pilot"]
        self.log(f"   pilot {pilot['id']}, contract {pilot['contract_number']}, {pilot['start_date']} - {pilot['end_date']}")

        self.log("4. monitoring: the pilot is moved into the past so that its phase is complete today; T0, five "
                 "checkpoints of measurements and citizens' answers over the weeks, a monitoring record at each")
        start, end = move_pilot_into_the_past(self.database_url, pilot["id"])
        self.log(f"   pilot phase now {start} - {end}")
        methodology = self.application(application_id)["methodology"]
        kpis = methodology["kpis"]
        # The methodology's own calendar (moved with the pilot): a monitoring record on each planned checkpoint.
        checkpoints = [date.fromisoformat(c["date"]) for c in methodology["checkpoints"]]
        for day, value, kpi in measured_series(kpis, start, checkpoints):
            self.client.post(f"/pilots/{pilot['id']}/measurements", json={
                "kpi_code": kpi, "value": value, "measured_at": day.isoformat(),
                "source": "demo: site dispatch data"}).raise_for_status()
        for answer in citizens_answers(start, end):
            self.client.post(f"/pilots/{pilot['id']}/feedback", json=answer).raise_for_status()
        for day in checkpoints:
            state = self.stage(application_id, "monitoring", {"as_of": day.isoformat()})
        checkpoint = state["pilot"]["checkpoints"][-1]
        self.log(f"   checkpoint {checkpoint['as_of']}: {checkpoint['severity']}, "
                 f"{checkpoint['feedback_summary']['respondents']} respondents")

        self.log("5. evaluation: the run computes the results and waits for the conclusions")
        run_id = self.start(application_id, "evaluation")
        self.wait(run_id, "evaluation", until_suspended=True)
        self.client.post(f"/applications/{application_id}/conclusions", json={
            "coordinator": "Сидорова Анна (demo)", "conclusions": "Reviewed against the site's T0 readings over the whole pilot phase.",
            "expert": "Иванов П. С. (demo)", "expert_conclusions": "The trends are consistent across the five checkpoints.",
        }).raise_for_status()
        self.wait(run_id, "evaluation")
        state = self.application(application_id)
        self.log(f"   status {state['status']}")

        files = {}
        for document in state["documents"]:
            files[document["kind"]] = self.download(document)
            self.log(f"   {document['kind']}: {files[document['kind']]}  ({document['download_url']})")
            if document.get("pdf_url"):
                files[f"{document['kind']}.pdf"] = self.download(document, pdf=True)
        return files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--api", default="http://127.0.0.1:8000")
    parser.add_argument("--key", help="API key (default: from var/.env)")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "demo")
    args = parser.parse_args()
    key = args.key
    if key is None:
        env_file = ROOT / "var" / ".env"
        if not env_file.exists():
            raise SystemExit("no var/.env: start the stack first (bash scripts/up.sh)")
        key = next(line.split("=", 1)[1] for line in env_file.read_text().splitlines()
                   if line.startswith("PILOTFLOW_API_KEY="))
    try:
        files = Demo(args.api, key, args.out, stack_database_url(ROOT / "var")).run()
    except httpx.ConnectError:
        raise SystemExit(f"cannot reach the API at {args.api}: start the stack first (bash scripts/up.sh)")
    print(json.dumps({kind: str(path) for kind, path in files.items()}, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
