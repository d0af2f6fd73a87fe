"""The Russian wording of the reasons the domain rules write in English.

Screening (screening.py), the rubric's gates and criteria (scoring.py), site matching (matching.py) and the
sector note (sectors.py, analysis.py) write their reasons in English: the API, the Prefect artifacts and the
tests read them so. The portal shows them in the page's language through `reason_in`.

TEMPLATES pairs a regular expression matching one English template exactly with its Russian template. The
named groups carry the values; a group whose name is in VALUES is rewritten the Russian way (a sector slug
becomes the sector's Russian name, a quoted phrase gets «», a date reads 15.03.2027), the others are copied.
A criterion listing several findings joins them with "; " (scoring.py): each finding is a template of its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from functools import cache

from models.catalog import load_sectors

_PHRASES = r"'[^']*'(?:, '[^']*')*"  # scoring._quote and matching._reasons: 'queue', 'waiting time'
_SLUG = r"[a-z]+(?:-[a-z]+)*"
_SLUGS = rf"{_SLUG}(?:, {_SLUG})*"
_ENTITY = r"[a-z]+(?: [a-z]+)*"  # an entity type with its underscores made spaces: "large company"
_FINDINGS = "; "

ENTITY_TYPES_RU = {
    "startup": "стартап", "sme": "малое или среднее предприятие", "large company": "крупная компания",
    "research organisation": "научная организация", "individual entrepreneur": "индивидуальный предприниматель",
    "public body": "орган власти",
}

TEMPLATES: list[tuple[str, str]] = [
    # screening.py
    (r"TRL must be between 1 and 9, got (?P<trl>-?\d+)", "TRL должен быть от 1 до 9, указан {trl}"),
    (r"TRL (?P<trl>\d+) is below (?P<min>\d+): a live urban pilot needs a coordinator's override",
     "TRL {trl} ниже {min}: пилот в городской среде возможен только по решению координатора"),
    (r"unknown sector '(?P<unknown>.*)'", "неизвестная отрасль «{unknown}»"),
    (r"the description is too short to assess the solution", "описание слишком короткое, чтобы оценить решение"),
    (r"the solution processes citizens' personal data: a data protection annex is needed",
     "решение обрабатывает персональные данные жителей: нужно приложение о защите данных"),
    # scoring.py, gates
    (r"entity type not declared; a company with a registration number applied",
     "тип заявителя не указан; заявку подала компания с регистрационным номером"),
    (rf"(?P<entity>{_ENTITY}): may apply", "{entity}: может подать заявку"),
    (rf"(?P<entity>{_ENTITY}): may not apply; eligible: (?P<entities>{_ENTITY}(?:, {_ENTITY})*)",
     "{entity}: не может подать заявку; допускаются: {entities}"),
    (r"TRL (?P<trl>\d+) >= (?P<min>\d+)", "TRL {trl} ≥ {min}"),
    (r"TRL (?P<trl>\d+) below (?P<min>\d+); overridden by the coordinator",
     "TRL {trl} ниже {min}; допущено координатором"),
    (r"TRL (?P<trl>\d+) below (?P<min>\d+) for a live urban pilot; a coordinator may override",
     "TRL {trl} ниже уровня {min}, нужного для пилота в городской среде; координатор может сделать исключение"),
    (rf"(?P<sector>{_SLUG}) device \((?P<phrases>{_PHRASES})\); certificates declared: (?P<certificates>.*)",
     "устройство отрасли «{sector}» ({phrases}); заявлены сертификаты: {certificates}"),
    (rf"(?P<sector>{_SLUG}) device \((?P<phrases>{_PHRASES})\); no certificate declared",
     "устройство отрасли «{sector}» ({phrases}); сертификаты не заявлены"),
    (r"no medical or transport device", "медицинских и транспортных устройств нет"),
    (r"no citizens' personal data involved", "персональные данные жителей не обрабатываются"),
    (r"citizens' personal data \(declared by the applicant\); handling declared",
     "персональные данные жителей (указал заявитель); порядок обработки описан"),
    (rf"citizens' personal data \(the text mentions (?P<phrases>{_PHRASES})\); handling declared",
     "персональные данные жителей (в тексте: {phrases}); порядок обработки описан"),
    (r"citizens' personal data \(declared by the applicant\); describe how it is handled "
     r"\(at least (?P<words>\d+) words: legal basis, storage, access, deletion\)",
     "персональные данные жителей (указал заявитель); опишите порядок их обработки "
     "(не менее {words} слов: правовое основание, хранение, доступ, удаление)"),
    (rf"citizens' personal data \(the text mentions (?P<phrases>{_PHRASES})\); describe how it is handled "
     r"\(at least (?P<words>\d+) words: legal basis, storage, access, deletion\)",
     "персональные данные жителей (в тексте: {phrases}); опишите порядок их обработки "
     "(не менее {words} слов: правовое основание, хранение, доступ, удаление)"),
    # scoring.py, criteria
    (r"no test site in the catalog can take the pilot", "ни одна площадка каталога не может принять пилот"),
    (r"(?P<site>\S+): its stated need shares no words with the solution",
     "{site}: в потребности площадки нет слов из описания решения"),
    (rf"(?P<site>\S+): need matches (?P<phrases>{_PHRASES}) \((?P<percent>\d+%)\)",
     "{site}: совпадения с потребностью площадки: {phrases} ({percent})"),
    (r"no test site can host the pilot within the availability window",
     "ни одна площадка не может принять пилот в пределах окна доступности"),
    (r"(?P<site>\S+) free (?P<days>\d+) days after the earliest start; (?P<sites>\d+) site\(s\) can host the pilot",
     "{site} свободна через {days} дн. после самого раннего начала; площадок, готовых принять пилот: {sites}"),
    (r"(?P<site>\S+) free at the earliest start; (?P<sites>\d+) site\(s\) can host the pilot",
     "{site} свободна к самому раннему началу; площадок, готовых принять пилот: {sites}"),
    (r"no evidence of impact given", "подтверждений эффекта нет"),
    (r"impact stated", "эффект описан"),
    (r"quantified", "выражен в числах"),
    (r"not quantified", "не выражен в числах"),
    (rf"track record \((?P<phrases>{_PHRASES})\)", "есть опыт внедрения ({phrases})"),
    (r"no earlier pilots or customers named", "прежние пилоты и заказчики не названы"),
    (r"TRL (?P<trl>\d+) of 9 gives (?P<percent>\d+%)", "TRL {trl} из 9 даёт {percent}"),
    (r"no novelty claim \(at least (?P<words>\d+) words\)", "новизна не заявлена (нужно не менее {words} слов)"),
    (rf"novelty claimed and protected \((?P<phrases>{_PHRASES})\)", "новизна заявлена и защищена ({phrases})"),
    (r"novelty claimed; no patent or registered software named",
     "новизна заявлена; патент или зарегистрированная программа не названы"),
    (r"team of (?P<people>\d+)", "команда: {people} чел."),
    (r"team size not given", "размер команды не указан"),
    (r"(?P<years>\d+) years of experience", "опыт работы, лет: {years}"),
    (r"experience not given", "опыт работы не указан"),
    (r"no route to purchase described \(at least (?P<words>\d+) words\)",
     "путь к закупке не описан (нужно не менее {words} слов)"),
    (r"route to purchase described", "путь к закупке описан"),
    (rf"channel or price \((?P<phrases>{_PHRASES})\)", "канал закупки или цена ({phrases})"),
    (r"no purchase channel or price", "канал закупки и цена не названы"),
    (rf"scale \((?P<phrases>{_PHRASES})\)", "масштабирование ({phrases})"),
    (r"no plan to scale", "плана масштабирования нет"),
    (rf"the target users include (?P<phrases>{_PHRASES})", "среди целевых пользователей: {phrases}"),
    (rf"the description mentions (?P<phrases>{_PHRASES})", "в описании упомянуты: {phrases}"),
    (r"no benefit for the elderly or people with disabilities stated",
     "польза для пожилых и людей с инвалидностью не заявлена"),
    # matching.py, hard constraints
    (rf"excluded: site accepts pilots in (?P<sectors>{_SLUGS}) only",
     "исключена: площадка принимает пилоты только отраслей {sectors}"),
    (r"excluded: not available until (?P<month>\d{4}-\d{2})", "исключена: площадка недоступна до {month}"),
    (r"excluded: no capacity until (?P<month>\d{4}-\d{2}) \((?P<running>\d+) of (?P<capacity>\d+) pilots running\)",
     "исключена: нет свободного места до {month} (идёт пилотов: {running} из {capacity})"),
    (r"excluded: the solution needs an indoor site", "исключена: решению нужна площадка в помещении"),
    (r"excluded: the solution needs an outdoor site", "исключена: решению нужна площадка под открытым небом"),
    (r"excluded: no power supply for the equipment", "исключена: нет электропитания для оборудования"),
    (r"excluded: no network connection", "исключена: нет подключения к сети"),
    # matching.py, soft scores
    (r"same sector", "та же отрасль"),
    (rf"related sector: (?P<sector>{_SLUG})", "смежная отрасль: {sector}"),
    (rf"(?P<sector>{_SLUG}) site accepting (?P<own_sector>{_SLUG}) pilots",
     "площадка отрасли «{sector}» принимает пилоты отрасли «{own_sector}»"),
    (rf"other sector: (?P<sector>{_SLUG})", "другая отрасль: {sector}"),
    (rf"need matches: (?P<phrases>{_PHRASES})", "совпадения с потребностью площадки: {phrases}"),
    (r"the site's stated need does not mention the solution", "в потребности площадки решение не упоминается"),
    (r"free from (?P<date>\d{4}-\d{2}-\d{2})", "свободна с {date}"),
    (r"free from (?P<date>\d{4}-\d{2}-\d{2}) \(a pilot slot frees up\)",
     "свободна с {date} (освобождается место для пилота)"),
    (r"TRL (?P<trl>\d+) fits \(advised (?P<advised>\d+)\+\)", "TRL {trl} подходит (рекомендуется от {advised})"),
    (r"TRL (?P<trl>\d+) below the (?P<advised>\d+) advised for this site",
     "TRL {trl} ниже рекомендованного для этой площадки уровня {advised}"),
    (r"about (?P<visitors>[\d,]+) visitors a day: feedback sample in ~(?P<days>\d+) days?",
     "посетителей в день — около {visitors}: выборка отзывов наберётся примерно за {days} дн."),
    (r"about (?P<visitors>[\d,]+) visitors a day: nobody to survey",
     "посетителей в день — около {visitors}: опрашивать некого"),
    # sectors.py and analysis.py: the sector note
    (rf"declared sector '(?P<declared>{_SLUG})' ranks (?P<rank>\d+)(?:st|nd|rd|th) of (?P<count>\d+); "
     rf"text suggests '(?P<suggested>{_SLUG})'",
     "заявленная отрасль «{declared}» на {rank}-м месте из {count}; по тексту подходит «{suggested}»"),
    (r"the text has no sector vocabulary: the sector is a guess; declare one",
     "в тексте нет отраслевой лексики: отрасль определена наугад; укажите её"),
]


@cache
def _sector_names() -> dict[str, str]:
    return {sector.slug: sector.name_ru for sector in load_sectors()}


def _sector(slug: str) -> str:
    return _sector_names().get(slug, slug)


def _phrases(quoted: str) -> str:
    return re.sub(r"'([^']*)'", r"«\1»", quoted)


def _entity(kind: str) -> str:
    return ENTITY_TYPES_RU.get(kind, kind)


def _date(iso: str) -> str:
    return f"{date.fromisoformat(iso):%d.%m.%Y}"  # as the portal's day() writes a date in Russian


def _month(iso_month: str) -> str:
    year, month = iso_month.split("-")
    return f"{month}.{year}"


# How a named group's value reads in Russian; groups not named here are copied as they are.
VALUES: dict[str, Callable[[str], str]] = {
    "sector": _sector, "own_sector": _sector, "declared": _sector, "suggested": _sector,
    "sectors": lambda slugs: ", ".join(f"«{_sector(slug)}»" for slug in slugs.split(", ")),
    "entity": lambda kind: _entity(kind).capitalize(),
    "entities": lambda kinds: ", ".join(_entity(kind) for kind in kinds.split(", ")),
    "phrases": _phrases, "date": _date, "month": _month,
    "visitors": lambda number: number.replace(",", " "), "percent": lambda share: share.replace("%", " %"),
}

_COMPILED = [(re.compile(english, re.DOTALL), russian) for english, russian in TEMPLATES]


def _russian(reason: str) -> str | None:
    for english, russian in _COMPILED:
        match = english.fullmatch(reason)
        if match:
            values = {name: VALUES.get(name, str)(value) for name, value in match.groupdict().items()}
            return russian.format(**values)
    return None


def reason_in(language: str, reason: str) -> str:
    """`reason` as the domain wrote it in English, in `language`; a reason of no known template stays English."""
    if language != "ru":
        return reason
    whole = _russian(reason)
    if whole is not None:
        return whole
    if _FINDINGS in reason:
        return _FINDINGS.join(_russian(finding) or finding for finding in reason.split(_FINDINGS))
    return reason
