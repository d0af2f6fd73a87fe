import pytest

from models.stages import (
    STAGE_BY_SLUG, STAGES, Actor, Stage, StageNotAllowed, Status, check_can_start, check_outcome,
)


def test_five_stages_in_order_with_their_flows():
    assert [s.stage for s in STAGES] == list(Stage)
    assert [s.order for s in STAGES] == [1, 2, 3, 4, 5]
    assert [s.flow_name for s in STAGES] == [
        "pilot-application", "pilot-analysis", "pilot-adoption", "pilot-monitoring", "pilot-evaluation"]
    assert STAGE_BY_SLUG[Stage.ANALYSIS].deployment_name == "pilot-analysis/pilot-analysis"


@pytest.mark.parametrize(("stage", "status"), [
    (Stage.APPLICATION, Status.SUBMITTED),
    (Stage.ANALYSIS, Status.REGISTERED),
    (Stage.ANALYSIS, Status.ANALYSED),
    (Stage.ADOPTION, Status.ANALYSED),
    (Stage.ADOPTION, Status.CONTRACTING),  # a new run picks up a contract waiting for signatures
    (Stage.MONITORING, Status.PILOTING),
    (Stage.EVALUATION, Status.PILOTING),
])
def test_allowed_starts(stage, status):
    assert check_can_start(stage, status, Actor.COORDINATOR).stage is stage


def test_out_of_order_names_the_missing_stage():
    with pytest.raises(StageNotAllowed) as error:
        check_can_start(Stage.ADOPTION, Status.REGISTERED, Actor.COORDINATOR)
    assert "'analysed'" in error.value.reason and "run the analysis stage first" in error.value.reason


def test_evaluation_before_adoption_points_to_adoption():
    with pytest.raises(StageNotAllowed, match="run the adoption"):
        check_can_start(Stage.EVALUATION, Status.ANALYSED, Actor.COORDINATOR)


@pytest.mark.parametrize("status", [Status.INELIGIBLE, Status.DUPLICATE, Status.REJECTED, Status.EVALUATED])
def test_closed_applications_start_nothing(status):
    for spec in STAGES:
        with pytest.raises(StageNotAllowed, match="closed"):
            check_can_start(spec.stage, status, Actor.COORDINATOR)


def test_who_may_act():
    check_can_start(Stage.MONITORING, Status.PILOTING, Actor.SCHEDULE)
    with pytest.raises(StageNotAllowed, match="schedule may not start the adoption"):
        check_can_start(Stage.ADOPTION, Status.ANALYSED, Actor.SCHEDULE)
    with pytest.raises(StageNotAllowed):
        check_can_start(Stage.ANALYSIS, Status.REGISTERED, Actor.APPLICANT)


def test_request_changes_edge_back_to_analysis_exists_and_no_skipping():
    check_outcome(Stage.ADOPTION, Status.REGISTERED)
    check_outcome(Stage.ADOPTION, Status.REJECTED)
    with pytest.raises(StageNotAllowed):
        check_outcome(Stage.ANALYSIS, Status.PILOTING)
    with pytest.raises(StageNotAllowed):
        check_outcome(Stage.APPLICATION, Status.ANALYSED)


def test_approval_waits_for_the_signatures_before_the_pilot():
    check_outcome(Stage.ADOPTION, Status.CONTRACTING)
    check_outcome(Stage.ADOPTION, Status.PILOTING)
    for stage in (Stage.MONITORING, Stage.EVALUATION):
        with pytest.raises(StageNotAllowed, match="'piloting', but the application is 'contracting'"):
            check_can_start(stage, Status.CONTRACTING, Actor.COORDINATOR)
