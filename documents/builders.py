"""Build the template contexts from stored rows: formatting and localisation live here, not in templates."""

from datetime import date

from documents.contexts import CheckpointRow, ContractContext, KpiRow, Party, RefusalContext
from models.catalog import kpi_text
from models.settings import Settings, local_date
from models.tables import Application, Methodology, Pilot, Site

CHECKPOINT_KINDS = {
    "en": {"baseline": "Baseline (T0)", "regular": "Checkpoint", "midpoint": "Midpoint review",
           "final": "Final data lock"},
    "ru": {"baseline": "Базовый замер (T0)", "regular": "Контрольная точка",
           "midpoint": "Промежуточный анализ", "final": "Итоговая фиксация данных"},
}
OWNERS = {
    "en": {"site": "Test site", "company": "Company", "agency": "Agency"},
    "ru": {"site": "Площадка", "company": "Компания", "agency": "Агентство"},
}
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def format_date(day: date | str, language: str) -> str:
    day = date.fromisoformat(day) if isinstance(day, str) else day
    return f"{day:%d.%m.%Y}" if language == "ru" else f"{day.day} {MONTHS_EN[day.month - 1]} {day.year}"


def format_number(value: float | None, language: str) -> str:
    if value is None:
        return "—"
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return text.replace(",", " ").replace(".", ",") if language == "ru" else text


def agency_party(settings: Settings, language: str) -> Party:
    ru = language == "ru"
    return Party(
        name=settings.agency_name_ru if ru else settings.agency_name_en,
        registration_number=settings.agency_registration_number,
        address=settings.agency_address_ru if ru else settings.agency_address_en,
        signatory_name=settings.agency_signatory_name if ru else settings.agency_signatory_name_en,
        signatory_title=settings.agency_signatory_title_ru if ru else settings.agency_signatory_title_en,
    )


def company_party(details: dict) -> Party:
    """`details`: the company's confirmed details (models.application.company_details)."""
    return Party(name=details["name"], registration_number=details["registration_number"],
                 address=details["address"] or "—", signatory_name=details["signatory_name"],
                 signatory_title=details["signatory_title"] or "—")


def site_name(site: Site, language: str) -> str:
    return site.name_ru if language == "ru" else site.name_en


def site_address(site: Site, language: str) -> str:
    return site.address_ru if language == "ru" else site.address_en


# A site added to the database by hand may lack the English fields: its Russian text then stands in.
def site_owner(site: Site, language: str) -> str:
    return site.owner_name if language == "ru" else site.owner_name_en or site.owner_name


def site_party(site: Site, language: str) -> Party:
    ru = language == "ru"
    return Party(name=site_owner(site, language), registration_number=site.code, address=site_address(site, language),
                 signatory_name=site.signatory_name if ru else site.signatory_name_en or site.signatory_name,
                 signatory_title=site.signatory_title if ru else site.signatory_title_en or site.signatory_title)


def contract_context(
    settings: Settings, application: Application, company: dict, site: Site,
    methodology: Methodology, pilot: Pilot, contract_date: date,
) -> ContractContext:
    lang = application.language
    every = "каждые {} дн." if lang == "ru" else "every {} days"
    return ContractContext(
        language=lang,
        contract_number=pilot.contract_number,
        contract_date=format_date(contract_date, lang),
        place="Москва" if lang == "ru" else "Moscow",
        agency=agency_party(settings, lang),
        company=company_party(company),
        site=site_party(site, lang),
        solution_title=application.title,
        solution_description=application.description,
        site_name=site_name(site, lang),
        site_address=site_address(site, lang),
        start_date=format_date(methodology.start_date, lang),
        end_date=format_date(methodology.end_date, lang),
        duration_weeks=methodology.duration_weeks,
        hypotheses=methodology.hypotheses,
        kpis=[KpiRow(name=k[f"name_{lang}"], unit=kpi_text(k, "unit", lang),
                     baseline=format_number(k["baseline"], lang), target=format_number(k["target"], lang),
                     minimum_acceptable=format_number(k["minimum_acceptable"], lang),
                     frequency=every.format(k["frequency_days"]), data_source=kpi_text(k, "data_source", lang),
                     owner=OWNERS[lang][k["owner"]])
              for k in methodology.kpis],
        checkpoints=[CheckpointRow(number=c["number"], date=format_date(c["date"], lang),
                                   kind=CHECKPOINT_KINDS[lang][c["kind"]])
                     for c in methodology.checkpoints],
        feedback_min_respondents=methodology.feedback_plan["min_respondents"],
        feedback_questions=methodology.feedback_plan["questions"],
        success_criteria=methodology.success_criteria,
        stop_criteria=methodology.stop_criteria,
    )


def refusal_context(
    settings: Settings, application: Application, company: dict, reason: str, coordinator: str, letter_date: date,
) -> RefusalContext:
    lang = application.language
    number = application.registration_number or str(application.id)
    return RefusalContext(
        language=lang,
        letter_number=f"{number}/REF",
        letter_date=format_date(letter_date, lang),
        place="Москва" if lang == "ru" else "Moscow",
        agency=agency_party(settings, lang),
        company=company_party(company),
        application_number=number,
        application_date=format_date(local_date(application.submitted_at), lang),
        solution_title=application.title,
        reason=reason,
        coordinator=coordinator,
    )
