import runpy
from pathlib import Path

import pytest

from models.rules.facts import SECTOR_SLUGS
from models.rules.sectors import disagreement, suggest_sectors
from models.rules.text import tokenize

REPO_ROOT = Path(__file__).resolve().parents[2]

# Written for these tests (not taken from the evaluation file): one clear-cut application per sector
# and language, in the wording an applicant from any city might use.
OWN_APPLICATIONS = [
    ("retail-services", "Smart shopping trolley",
     "A trolley with a barcode scanner and a screen that lets supermarket customers scan groceries as they shop "
     "and pay in the app, skipping the cashier."),
    ("energy-efficiency", "Predictive maintenance for transformer substations",
     "Oil and temperature sensors on distribution transformers that forecast failures and prevent power outages "
     "in the district grid."),
    ("it-communications", "Low-code document workflow",
     "A platform that digitises paper approvals in government agencies with electronic signatures and automatic "
     "routing of documents."),
    ("healthcare", "Diabetic foot wound app",
     "A smartphone app that photographs wounds of patients with diabetes and lets an endocrinologist follow "
     "healing remotely, reducing clinic visits."),
    ("environment", "Microplastic trap for storm drains",
     "A filter insert for storm drains that traps plastic particles and litter before rainwater reaches the river."),
    ("security", "Walk-through weapon scanner",
     "A scanner at venue entrances that detects knives and firearms in bags without stopping visitors, "
     "for stadiums and concert halls."),
    ("transport", "Demand-responsive minibus",
     "An app that collects ride requests and plans flexible routes for minibuses in districts poorly served "
     "by the metro."),
    ("education", "Virtual chemistry lab",
     "A simulation where high-school students mix reagents safely and teachers grade the lab reports automatically."),
    ("urban-economy", "Sewer inspection robot",
     "A crawler robot with a camera that inspects sewer and drain pipes of residential buildings and maps cracks "
     "and blockages for repair crews."),
    ("culture-sport-tourism", "Seat view preview for theatres",
     "A 3D model of the auditorium that lets spectators preview the view of the stage from any seat before "
     "buying a ticket online."),
    ("social-services", "Talking signs for blind pedestrians",
     "Bluetooth beacons in public buildings that tell blind people through their phone where the entrance, "
     "lift and toilets are."),
    ("retail-services", "Электронные ценники",
     "Ценники на полках продуктовых магазинов обновляются автоматически из кассовой системы, продавцы не тратят "
     "время на перепечатку."),
    ("energy-efficiency", "Тепловой насос для офисов",
     "Тепловой насос утилизирует тепло вытяжной вентиляции офисных зданий и снижает затраты на отопление."),
    ("it-communications", "Голосовой робот для горячей линии",
     "Робот отвечает на звонки жителей, распознаёт речь и решает типовые вопросы без оператора."),
    ("healthcare", "ИИ для КТ лёгких",
     "Система искусственного интеллекта помогает рентгенологам находить узелки и рак лёгкого на ранней стадии "
     "по снимкам компьютерной томографии."),
    ("environment", "Датчики качества воздуха во дворах",
     "Недорогие датчики измеряют пыль и выхлопные газы во дворах и публикуют карту загрязнения воздуха."),
    ("security", "Видеоаналитика для вокзалов",
     "Система видеонаблюдения обнаруживает оставленные предметы и драки и оповещает охрану."),
    ("transport", "Умные светофоры",
     "Светофоры подстраивают длительность зелёного сигнала под реальный поток машин и сокращают пробки "
     "на перекрёстках."),
    ("education", "Тренажёр по математике",
     "Онлайн-тренажёр для школьников 5–9 классов с автоматической проверкой задач и подсказками для учителя."),
    ("urban-economy", "Датчики протечек в подвалах",
     "Датчики протечек воды в подвалах многоквартирных домов сообщают в диспетчерскую управляющей компании."),
    ("culture-sport-tourism", "Аудиогид с дополненной реальностью",
     "Мобильное приложение рассказывает посетителям музея об экспонатах и показывает реконструкции "
     "в дополненной реальности."),
    ("social-services", "Браслет для одиноких пенсионеров",
     "Браслет с тревожной кнопкой определяет падение и вызывает социального работника."),
]
TELEMEDICINE = ("Telemedicine kiosk", "A booth in a polyclinic lobby that measures blood pressure and ECG and connects "
                "the patient to a remote doctor.")


def _bench() -> dict:
    return runpy.run_path(str(REPO_ROOT / "bench" / "analysis.py"), run_name="bench_analysis")


@pytest.mark.parametrize(
    ("inflected", "base"),
    [("polyclinics", "polyclinic"), ("monitoring", "monitored"), ("batteries", "battery"), ("charging", "charge"),
     ("detection", "detect"), ("buses", "bus"), ("planning", "plan")],
)
def test_english_stemming_merges_word_forms(inflected, base):
    assert tokenize(inflected) == tokenize(base) != []


@pytest.mark.parametrize(
    ("inflected", "base"),
    [("поликлиники", "поликлиника"), ("камерами", "камера"), ("пожилых", "пожилые"), ("датчиков", "датчик"),
     ("доступность", "доступный"), ("остановках", "остановка"), ("учителей", "учитель")],
)
def test_russian_stemming_merges_word_forms(inflected, base):
    assert tokenize(inflected) == tokenize(base) != []


def test_tokenizer_drops_stopwords_and_numbers_and_keeps_identifiers():
    assert tokenize("The 2026 pilot, и в 15 для") == tokenize("pilot")
    assert tokenize("Private 5G and CO2")[1:] == ["5g", "co2"]
    assert tokenize("Ёлка") == tokenize("елка")
    assert tokenize("IT school") == tokenize("ICT school") and tokenize("it") == []
    assert "xrai" in tokenize("chest X-rays") and tokenize("X-ray") == tokenize("x-rays")


@pytest.mark.parametrize(("expected", "title", "description"), OWN_APPLICATIONS, ids=lambda v: v[:30])
def test_own_applications_land_in_their_sector(expected, title, description):
    assert suggest_sectors(title, description)[0].sector == expected


@pytest.mark.parametrize(("expected", "title", "description"), OWN_APPLICATIONS[:3] + OWN_APPLICATIONS[11:14])
def test_ranking_covers_all_sectors_with_ordered_scores_in_unit_range(expected, title, description):
    ranked = suggest_sectors(title, description)
    assert sorted(item.sector for item in ranked) == sorted(SECTOR_SLUGS)
    scores = [item.score for item in ranked]
    assert scores == sorted(scores, reverse=True)
    assert all(0 <= score <= 1 for score in scores)
    assert scores[0] > 0.9


def test_text_without_sector_vocabulary_gives_no_confidence():
    ranked = suggest_sectors("", "", declared_sector="education")
    assert ranked[0].sector == "education"
    assert {item.score for item in ranked} == {0.0}


def test_declared_sector_does_not_override_clear_text():
    assert suggest_sectors(*TELEMEDICINE, declared_sector="education")[0].sector == "healthcare"
    with pytest.raises(ValueError):
        suggest_sectors(*TELEMEDICINE, declared_sector="space")


def test_disagreement_note_only_for_wrong_declared_sector():
    wrong = disagreement("education", suggest_sectors(*TELEMEDICINE, declared_sector="education"))
    assert wrong is not None and "'education'" in wrong and "'healthcare'" in wrong
    assert disagreement("healthcare", suggest_sectors(*TELEMEDICINE, declared_sector="healthcare")) is None
    assert disagreement(None, suggest_sectors(*TELEMEDICINE)) is None


def test_evaluation_set_accuracy_meets_goals():
    bench = _bench()
    if not bench["EVAL_PATH"].exists():
        pytest.skip(f"evaluation set not available at {bench['EVAL_PATH']}")
    accuracy = bench["sector_accuracy"](bench["load_applications"]())
    assert accuracy.top1 >= 0.9, accuracy.misses
    assert accuracy.top3 == 1.0, accuracy.misses
