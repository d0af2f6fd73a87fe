"""Stage 3, pilot-adoption: the coordinator decides in a form while the run is suspended; on approval the
contract is generated, and the run is suspended again until the company, the site and the agency signed it.

A suspended run holds no process. When it is resumed (from the Prefect UI's form, or by the API:
POST /applications/{id}/decision, POST /contracts/{id}/signatures), a worker runs the flow again from the
top, so every step before a suspension first looks at what is stored and never does anything twice.
"""

from datetime import date
from itertools import count
from typing import Literal
from uuid import UUID

from prefect import flow, get_client, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import INPUTS, NO_CACHE, RUN_ID
from prefect.exceptions import Pause as RunSuspended
from prefect.flow_runs import suspend_flow_run
from prefect.input import RunInput
from pydantic import Field, ValidationError, create_model

from documents.builders import contract_context, refusal_context
from documents.registry import issue_document
from flows.common import acting, current_flow_run_id, guard_stage
from models import actors
from models.adoption import (
    DecisionOptions,
    InvalidDecision,
    activate_pilot,
    apply_decision,
    awaited_parties,
    check_decision,
    contract_of,
    create_contract,
    decision_options,
    pilot_of,
    send_for_signature,
)
from models.application import company_details
from models.db import get_required, session_scope
from models.rules.methodology import MAX_WEEKS, MIN_WEEKS
from models.schemas import ActorName, AdoptionDecision, DecidedBy, KpiTarget
from models.settings import get_settings, local_today
from models.stages import Actor, Pause, Stage, Status
from models.tables import Application, Company, Contract, Methodology, Pilot, Site
from models.transitions import record_stage_run


class AdoptionForm(RunInput, DecidedBy, AdoptionDecision):
    """The coordinator's decision, as the form of the suspended run (the API resumes it with the same fields,
    and `decided_by`: the user who decided)."""


@task(retries=2, retry_delay_seconds=2)
def remember_run(application_id: int, actor: str) -> Status:
    """Record this run for the application (also when started from the Prefect UI), so the API finds it
    when a decision or the last signature arrives. Returns the application's status."""
    with session_scope() as session:
        application = get_required(session, Application, application_id)
        record_stage_run(session, application_id, Stage.ADOPTION, current_flow_run_id(), actor)
        return Status(application.status)


def _methodology_markdown(options: DecisionOptions, title: str) -> str:
    draft = options.draft
    kpis = "\n".join(
        f"- **{k['name_en']}** / {k['name_ru']} ({k['unit']}): {k['baseline']:g} → target {k['target']:g}, "
        f"minimum acceptable {k['minimum_acceptable']:g}; every {k['frequency_days']} days, {k['owner']}"
        for k in draft.kpis)
    hypotheses = "\n".join(f"- {h}" for h in draft.hypotheses)
    stop = "\n".join(f"- {s}" for s in draft.stop_criteria)
    return (
        f"## Draft methodology: {title}\n\n"
        f"**Site** {draft.site_id}; **{draft.start_date} to {draft.end_date}** ({draft.duration_weeks} weeks); "
        f"{len(draft.checkpoints)} checkpoints; at least {draft.feedback_plan['min_respondents']} residents surveyed"
        f"\n\n### Hypotheses\n{hypotheses}\n\n### KPIs\n{kpis}\n\n### Stop criteria\n{stop}"
    )


@task(cache_policy=INPUTS + RUN_ID, persist_result=True)
def publish_decision_material(application_id: int) -> None:
    """Show the draft methodology and the ranked sites next to the form. Cached per run, so resuming the
    run does not publish them again."""
    with session_scope() as session:
        application = session.get(Application, application_id)
        options = decision_options(session, application_id)
    key = f"application-{application_id}-adoption"
    if options is None:
        create_markdown_artifact(key=f"{key}-methodology", markdown="No site could take the pilot: there is no "
                                 "draft methodology to approve. Request changes or reject.")
        return
    create_markdown_artifact(key=f"{key}-methodology", markdown=_methodology_markdown(options, application.title),
                             description=f"The draft methodology of application {application_id}, to adopt or not")
    create_table_artifact(
        key=f"{key}-sites",
        table=[{"site_id": c["site_id"], "site": f"{c['code']} {c['name']}", "score": c["score"],
                "free from": c.get("available_from"), "reasons": "; ".join(c["reasons"])}
               for c in options.candidates],
        description=f"The sites application {application_id} may be piloted at, best first (the form's site_id)",
    )


def decision_form(options: DecisionOptions | None, problem: str | None) -> type[AdoptionForm]:
    """The form prefilled with the draft's site, start, duration and KPI targets; the site is a choice among
    the candidates. `problem` is why the previous answer was refused."""
    intro = (f"**Your previous answer was refused:** {problem}\n\n" if problem else "") + (
        "Decide on the draft methodology shown in this run's artifacts. To approve, keep or change the site "
        "(one of the candidates), the start date, the duration and the KPI targets. To request changes or to "
        "reject, give the reason in the comment (a refusal letter to the company quotes it).")
    if options is None:
        return AdoptionForm.with_initial_data(description=intro)
    draft = options.draft
    site_ids = tuple(c["site_id"] for c in options.candidates)
    form = create_model(
        "AdoptionForm", __base__=AdoptionForm,
        site_id=(Literal[site_ids], Field(default=draft.site_id, description="The test site (see the sites table)")),
        start_date=(date, Field(default=draft.start_date)),
        duration_weeks=(int, Field(default=draft.duration_weeks, ge=MIN_WEEKS, le=MAX_WEEKS)),
        kpi_targets=(list[KpiTarget], Field(default=[KpiTarget(code=k["code"], target=k["target"])
                                                      for k in draft.kpis])),
    )
    return form.with_initial_data(description=intro)


@task(cache_policy=NO_CACHE)
def load_decision_options(application_id: int) -> DecisionOptions | None:
    with session_scope() as session:
        return decision_options(session, application_id)


@task(cache_policy=NO_CACHE)
def decision_problem(application_id: int, decision: AdoptionDecision) -> str | None:
    with session_scope() as session:
        try:
            check_decision(session, application_id, decision)
        except InvalidDecision as exc:
            return str(exc)
    return None


def wait_for_decision(application_id: int) -> tuple[AdoptionDecision, str]:
    """Suspend until the coordinator answers the form with a decision the rules allow; returns it and who gave
    it (the API's `decided_by`, else the Prefect UI).

    Each answer has its own pause key: a refused answer is logged and the form asked again under the next
    key, and when the run is resumed and re-executed, the answers already given are read back in order.
    """
    publish_decision_material(application_id)
    problem = None
    for attempt in count(1):
        form = decision_form(load_decision_options(application_id), problem)
        try:
            answer = suspend_flow_run(wait_for_input=form, key=Pause.DECISION.key(attempt))
            decision = AdoptionDecision.model_validate(answer.model_dump(exclude={"decided_by"}))
        except ValidationError as exc:
            problem = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        else:
            problem = decision_problem(application_id, decision)
            if problem is None:
                return decision, answer.decided_by or actors.PREFECT_UI
        print(f"decision {attempt} refused, asking again: {problem}")


@task(retries=2, retry_delay_seconds=2)
def record_decision(application_id: int, decision: AdoptionDecision, decided_by: str = actors.LOCAL) -> Status:
    """Apply the decision (a rejection with its refusal letter, in the same transaction), audited as done by
    `decided_by`; returns the status.
    A retry after the decision was stored finds the application moved on and returns its status."""
    with session_scope() as session:
        application = get_required(session, Application, application_id)
        if application.status != Status.ANALYSED:
            return Status(application.status)
        refusal = None
        if decision.decision == "reject":
            refusal = refusal_context(get_settings(), application,
                                      company_details(session.get(Company, application.company_id)),
                                      decision.comment, decision.coordinator, local_today())
        apply_decision(session, application, decision, current_flow_run_id(), decided_by)
        if refusal is not None:
            issue_document(session, kind="refusal", language=application.language, context=refusal,
                           number=application.registration_number, application_id=application.id, pilot_id=None,
                           flow_run_id=current_flow_run_id())
        return Status(application.status)


@task(retries=2, retry_delay_seconds=2)
def generate_contract(application_id: int) -> int:
    """Render the tripartite contract (.docx and, with LibreOffice, .pdf) and store it as a draft contract;
    returns the contract's id. A re-run finds the contract already stored."""
    with session_scope() as session:
        pilot = pilot_of(session, application_id)
        existing = contract_of(session, pilot.id)
        if existing is not None:
            return existing.id
        application = session.get(Application, application_id)
        company = company_details(session.get(Company, pilot.company_id))
        context = contract_context(
            get_settings(), application, company, session.get(Site, pilot.site_id),
            session.get(Methodology, pilot.methodology_id), pilot, local_today(),
        )
        document = issue_document(session, kind="contract", language=application.language, context=context,
                                  number=pilot.contract_number, application_id=application.id, pilot_id=pilot.id,
                                  flow_run_id=current_flow_run_id())
        return create_contract(session, pilot, document.id, company).id


@task(retries=2, retry_delay_seconds=2)
def send_contract(contract_id: int) -> None:
    with session_scope() as session:
        send_for_signature(get_required(session, Contract, contract_id))


@task(cache_policy=NO_CACHE)
def parties_to_sign(contract_id: int) -> list[str]:
    with session_scope() as session:
        return awaited_parties(session, contract_id)


def resume_this_run() -> None:
    with get_client(sync_client=True) as client:
        client.resume_flow_run(UUID(current_flow_run_id()))


def wait_for_signatures(contract_id: int) -> None:
    """Suspend until all three parties signed. The last signature resumes the run; a run resumed earlier
    (say, by hand in the Prefect UI) finds signatures missing and suspends again under the next key.

    The last signature may be stored after the run looked at the signatures and before the server held it
    suspended: the API, looking for a suspended run, then finds none. So once the server holds it suspended,
    the run looks once more, and resumes itself if the contract is complete: whichever of the two comes second
    sees the other, and a worker runs the resumed run again from the top, which starts the pilot."""
    for attempt in count(1):
        missing = parties_to_sign(contract_id)
        if not missing:
            return
        print(f"contract {contract_id}: waiting for the signature of the {', '.join(missing)}")
        try:
            suspend_flow_run(key=Pause.SIGNATURES.key(attempt))
        except RunSuspended:
            if not parties_to_sign.fn(contract_id):  # the plain function: no task run in a suspended run
                print(f"contract {contract_id}: the last signature came in while suspending; resuming")
                resume_this_run()
            raise


@task(retries=2, retry_delay_seconds=2)
def start_pilot(application_id: int, contract_id: int, actor: str = actors.LOCAL) -> int:
    """Activate the signed contract's pilot (audited as done by whoever recorded the last signature, else
    `actor`); returns the contract's document id."""
    with session_scope() as session:
        application = get_required(session, Application, application_id)
        contract = session.get(Contract, contract_id)
        activate_pilot(session, application, session.get(Pilot, contract.pilot_id), current_flow_run_id(), actor)
        return contract.document_id


@flow(name="pilot-adoption", log_prints=True)
def pilot_adoption(application_id: int, actor: Actor = Actor.COORDINATOR,
                   requested_by: ActorName | None = None) -> int | None:
    """Wait for the coordinator's decision on the draft methodology; on approval generate the contract, wait
    for its three signatures and start the pilot. Returns the contract's document id, or None when the
    methodology was not approved.

    `actor` is the role the stage table checks; `requested_by` the user who started the run (the API passes
    it), recorded with the run; without it, where the run came from (the Prefect UI, ...). The decision is
    audited under whoever gave it, and the start of the pilot under whoever recorded the last signature."""
    guard_stage(application_id, Stage.ADOPTION, actor)
    who = acting(requested_by)
    if remember_run(application_id, who) == Status.ANALYSED:
        decision, decided_by = wait_for_decision(application_id)
        status = record_decision(application_id, decision, decided_by)
        if status != Status.CONTRACTING:
            print(f"application {application_id}: {decision.decision} by {decision.coordinator} -> {status}")
            return None
    contract_id = generate_contract(application_id)
    send_contract(contract_id)
    wait_for_signatures(contract_id)
    document_id = start_pilot(application_id, contract_id, who)
    print(f"application {application_id}: contract {contract_id} signed, pilot active")
    return document_id
