"""Build the first version of the Word templates in documents/templates/.

The generated .docx files are committed and from then on are the source: lawyers edit them in
Word. This script documents how they were first produced; re-running it overwrites any manual
edits, so only do that deliberately (e.g. before the templates were ever edited by hand).

Usage: .venv/bin/python scripts/build_templates.py   (after scripts/setup.sh installed the project)

Layout decisions:
- A4, Liberation Serif 12 pt (metric-compatible with Times New Roman, which the font table names
  as the substitute when Liberation Serif is not installed), Russian/English proofing language.
- Clause numbering is automatic: one multilevel list numbers "Heading 1" paragraphs 1., 2., ...
  and the built-in "List Number" paragraphs beneath them 1.1., 1.2., ..., so a lawyer can insert
  or delete a clause and Word renumbers the rest.
- Only plain {{ variable }} tags and for loops ({%p for %}, {%tr for %}) are used; every value is
  formatted in Python (documents/contexts.py).
"""

import io
from dataclasses import dataclass

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt, RGBColor
from lxml import etree

from documents.render import TEMPLATES_DIR, normalize_package

FONT = "Liberation Serif"
FALLBACK_FONT = "Times New Roman"
BLACK = RGBColor(0, 0, 0)
PAGE_WIDTH, PAGE_HEIGHT = Cm(21.0), Cm(29.7)
LEFT_MARGIN, RIGHT_MARGIN = Cm(3.0), Cm(1.5)
TEXT_WIDTH = PAGE_WIDTH - LEFT_MARGIN - RIGHT_MARGIN
PROOFING_LANGUAGE = {"en": "en-US", "ru": "ru-RU"}
TABLE_TEXT_STYLE = "Table Text"
HEADER_FILL = "D9D9D9"
NUMBER_SIGN = ("№ ", "№\u00a0")  # a no-break space keeps "№" on the same line as its number

# Relationships of python-docx's default template that would only confuse an editor: a preview
# image of an empty page and a Word 2010 copy of the styles that goes stale once styles change.
STALE_RELATIONSHIPS = (
    "http://schemas.openxmlformats.org/package/2006/relationships/metadata/thumbnail",
    "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects",
)


# --------------------------------------------------------------------------------------------
# Texts. Each list item of a section is a numbered clause, or a Bullets loop over a context list.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bullets:
    """A bulleted paragraph repeated for each item of a context list: {%p for item in items %}."""

    item: str
    items: str


CONTRACT_TEXT = {
    "ru": {
        "title": "ДОГОВОР № {{ contract_number }}",
        "subtitle": "о проведении пилотного тестирования инновационного решения",
        "place_date": "{{ place }}\t{{ contract_date }}",
        "preamble": (
            "{{ agency.name }} (далее — «Агентство»), от имени которого на основании устава "
            "или доверенности действует {{ agency.signatory_title }} {{ agency.signatory_name }}, "
            "{{ company.name }} (далее — «Компания»), от имени которой на основании устава или "
            "доверенности действует {{ company.signatory_title }} {{ company.signatory_name }}, "
            "и {{ site.name }} (далее — «Площадка»), от имени которой на основании устава или "
            "доверенности действует {{ site.signatory_title }} {{ site.signatory_name }}, "
            "совместно именуемые «Стороны», а по отдельности — «Сторона», в рамках программы "
            "пилотного тестирования инновационных решений в городе Москве, реализуемой в "
            "соответствии с постановлением Правительства Москвы от 27 мая 2020 г. № 631-ПП, "
            "заключили настоящий договор (далее — «Договор») о нижеследующем."
        ),
        "sections": [
            ("ПРЕДМЕТ ДОГОВОРА", [
                "Стороны обязуются совместно организовать и провести пилотное тестирование "
                "инновационного решения «{{ solution_title }}» (далее — «Решение»), "
                "предоставленного Компанией, на объекте Площадки по адресу: {{ site_address }} "
                "({{ site_name }}, далее — «Объект») в соответствии с Методикой пилотного "
                "тестирования (Приложение № 1 к Договору, далее — «Методика») и Календарём контрольных точек (Приложение № 2 к Договору).",
                "Описание Решения: {{ solution_description }}",
                "Целью пилотного тестирования является проверка гипотез и достижения ключевых "
                "показателей эффективности (далее — «КПЭ»), установленных Методикой, в реальных "
                "условиях эксплуатации с участием жителей города Москвы.",
                "Пилотное тестирование проводится на безвозмездной основе. Стороны не выплачивают "
                "друг другу вознаграждение и не возмещают расходы, понесённые в связи с "
                "исполнением Договора; каждая Сторона несёт свои расходы самостоятельно.",
                "Заключение Договора не порождает обязательств какой-либо из Сторон по "
                "последующему приобретению, внедрению или финансированию Решения.",
            ]),
            ("СРОК ДЕЙСТВИЯ ДОГОВОРА И СРОКИ ТЕСТИРОВАНИЯ", [
                "Договор вступает в силу с даты его подписания всеми Сторонами и действует до "
                "полного исполнения Сторонами своих обязательств.",
                "Пилотное тестирование проводится в период с {{ start_date }} по {{ end_date }}. "
                "Продолжительность тестирования составляет {{ duration_weeks }} нед.",
                "Ход пилотного тестирования оценивается в контрольных точках, указанных в "
                "Приложении № 2 к Договору. В каждой контрольной точке фиксируются фактические "
                "значения КПЭ, собранная обратная связь жителей, выявленные отклонения и "
                "принятые меры.",
                "Сроки пилотного тестирования могут быть изменены по письменному соглашению "
                "Сторон.",
            ]),
            ("ОБЯЗАННОСТИ АГЕНТСТВА", [
                "Координировать взаимодействие Сторон, назначить координатора пилотного "
                "тестирования и сообщить его контактные данные Компании и Площадке в течение "
                "3 (трёх) рабочих дней с даты подписания Договора.",
                "Осуществлять мониторинг пилотного тестирования в контрольных точках, "
                "фиксировать результаты измерения КПЭ и доводить их до сведения Компании и "
                "Площадки.",
                "Организовать сбор обратной связи жителей в соответствии с Методикой.",
                "В течение 20 (двадцати) рабочих дней после завершения пилотного тестирования "
                "подготовить аналитический отчёт, содержащий результаты тестирования, статистику "
                "обратной связи жителей, экспертные выводы и рекомендацию о дальнейшем развитии "
                "или тиражировании Решения, и направить его Компании и Площадке.",
            ]),
            ("ОБЯЗАННОСТИ КОМПАНИИ", [
                "Своими силами и за свой счёт доставить, установить и настроить Решение на "
                "Объекте в сроки, согласованные с Площадкой, а по окончании тестирования — "
                "демонтировать его и привести Объект в первоначальное состояние.",
                "Обеспечить соответствие Решения требованиям законодательства Российской "
                "Федерации, в том числе требованиям безопасности, санитарным и противопожарным "
                "нормам, и наличие необходимых сертификатов и (или) деклараций соответствия.",
                "Обеспечивать работоспособность и техническое сопровождение Решения в течение "
                "всего срока тестирования, провести инструктаж работников Площадки.",
                "Предоставлять Агентству данные, необходимые для измерения КПЭ, с периодичностью "
                "и в порядке, установленными Методикой.",
                "Незамедлительно уведомлять Агентство и Площадку о сбоях, инцидентах и иных "
                "обстоятельствах, препятствующих проведению тестирования.",
                "Не использовать в рекламных и иных публичных материалах наименования и "
                "обозначения Агентства и Площадки без их предварительного письменного согласия.",
            ]),
            ("ОБЯЗАННОСТИ ПЛОЩАДКИ", [
                "Предоставить Компании на срок тестирования доступ на Объект и место для "
                "размещения Решения в порядке и в часы, согласованные Сторонами, с соблюдением "
                "правил внутреннего распорядка Объекта.",
                "Содействовать информированию посетителей Объекта о проведении пилотного "
                "тестирования и сбору обратной связи жителей.",
                "Обеспечивать сохранность размещённого на Объекте оборудования Компании в "
                "пределах мер, принимаемых Площадкой для охраны собственного имущества.",
                "Предоставлять Агентству сведения, необходимые для измерения КПЭ, за которые "
                "Площадка отвечает согласно Методике.",
                "Незамедлительно уведомлять Агентство и Компанию о неисправностях Решения и о "
                "жалобах посетителей Объекта.",
            ]),
            ("КОНФИДЕНЦИАЛЬНОСТЬ", [
                "Стороны обязуются не раскрывать третьим лицам без предварительного письменного "
                "согласия передающей Стороны информацию, полученную в связи с исполнением "
                "Договора и обозначенную передающей Стороной как конфиденциальная, за "
                "исключением случаев, предусмотренных законодательством Российской Федерации.",
                "Не является конфиденциальной информация, которая является общедоступной или "
                "получена Стороной правомерно от третьих лиц без обязательства о сохранении "
                "конфиденциальности.",
                "Агентство вправе публиковать обобщённые результаты пилотного тестирования, а "
                "также наименования Компании и Решения, не раскрывая конфиденциальную информацию "
                "Сторон.",
                "Обязательства по настоящему разделу действуют в течение срока действия Договора "
                "и 3 (трёх) лет после его прекращения.",
            ]),
            ("ИНТЕЛЛЕКТУАЛЬНАЯ СОБСТВЕННОСТЬ", [
                "Исключительные права на Решение, в том числе на входящие в его состав программы "
                "для ЭВМ, базы данных, изобретения, полезные модели, промышленные образцы и "
                "средства индивидуализации, принадлежат Компании или её правообладателям и по "
                "Договору другим Сторонам не передаются.",
                "Компания предоставляет Агентству и Площадке безвозмездную простую "
                "(неисключительную) лицензию на использование Решения на Объекте исключительно "
                "в целях пилотного тестирования и на срок его проведения.",
                "Компания гарантирует, что использование Решения в ходе тестирования не нарушает "
                "прав третьих лиц, и самостоятельно урегулирует их претензии, связанные с таким "
                "использованием.",
                "Исключительные права на аналитический отчёт и иные материалы, подготовленные "
                "Агентством по результатам тестирования, принадлежат Агентству. Компания и "
                "Площадка вправе использовать аналитический отчёт в своей деятельности со "
                "ссылкой на Агентство.",
            ]),
            ("ПЕРСОНАЛЬНЫЕ ДАННЫЕ ГРАЖДАН", [
                "Стороны обрабатывают персональные данные граждан только в объёме, необходимом "
                "для целей пилотного тестирования, в соответствии с Федеральным законом от "
                "27 июля 2006 г. № 152-ФЗ «О персональных данных».",
                "Участие жителей в тестировании и в опросах является добровольным. Обратная связь "
                "собирается преимущественно в обезличенной форме; персональные данные граждан "
                "обрабатываются только при наличии их согласия, оформленного в соответствии с "
                "законодательством Российской Федерации.",
                "Если Решение предусматривает сбор персональных данных, в том числе изображений, "
                "голоса или биометрических персональных данных, Компания до начала тестирования "
                "согласовывает с Агентством и Площадкой состав данных, цели и сроки их "
                "обработки, обеспечивает их хранение в базах данных, находящихся на территории "
                "Российской Федерации, и принимает необходимые правовые, организационные и "
                "технические меры для их защиты.",
                "По окончании тестирования персональные данные, полученные в ходе него, "
                "подлежат уничтожению или обезличиванию, если иное не предусмотрено "
                "законодательством Российской Федерации.",
            ]),
            ("ОТВЕТСТВЕННОСТЬ СТОРОН", [
                "За неисполнение или ненадлежащее исполнение обязательств по Договору Стороны "
                "несут ответственность в соответствии с законодательством Российской Федерации.",
                "Компания возмещает в полном объёме вред, причинённый жизни, здоровью или "
                "имуществу граждан, Площадки и третьих лиц в результате эксплуатации Решения.",
                "Агентство и Площадка не несут ответственности за недостижение Решением КПЭ, "
                "установленных Методикой.",
                "Стороны освобождаются от ответственности за неисполнение обязательств, если оно "
                "вызвано обстоятельствами непреодолимой силы, при условии письменного "
                "уведомления других Сторон в течение 5 (пяти) рабочих дней с момента их "
                "наступления.",
            ]),
            ("ДОСРОЧНОЕ ПРЕКРАЩЕНИЕ ТЕСТИРОВАНИЯ И РАСТОРЖЕНИЕ ДОГОВОРА", [
                "Договор может быть расторгнут досрочно по соглашению Сторон.",
                "Агентство вправе прекратить пилотное тестирование и в одностороннем порядке "
                "отказаться от исполнения Договора, письменно уведомив Компанию и Площадку, при "
                "наступлении любого из следующих обстоятельств (критерии остановки):",
                Bullets(item="criterion", items="stop_criteria"),
                "Каждая из Сторон вправе в одностороннем порядке отказаться от исполнения "
                "Договора, письменно уведомив другие Стороны не менее чем за 10 (десять) "
                "рабочих дней.",
                "При досрочном прекращении Договора Компания в течение 10 (десяти) рабочих дней "
                "демонтирует Решение и освобождает Объект, а Агентство готовит аналитический "
                "отчёт по результатам проведённой части тестирования.",
            ]),
            ("ЗАКЛЮЧИТЕЛЬНЫЕ ПОЛОЖЕНИЯ", [
                "Споры, возникающие из Договора, разрешаются путём переговоров. Соблюдение "
                "претензионного порядка обязательно; срок ответа на претензию составляет "
                "10 (десять) рабочих дней. Неурегулированные споры передаются на рассмотрение "
                "Арбитражного суда города Москвы.",
                "Изменения и дополнения к Договору действительны, если они совершены в "
                "письменной форме и подписаны уполномоченными представителями всех Сторон.",
                "Договор составлен в трёх экземплярах, имеющих равную юридическую силу, по "
                "одному для каждой из Сторон.",
                "Неотъемлемыми частями Договора являются: Приложение № 1 «Методика пилотного "
                "тестирования»; Приложение № 2 «Календарь контрольных точек».",
            ]),
        ],
        "signatures_heading": "АДРЕСА, РЕКВИЗИТЫ И ПОДПИСИ СТОРОН",
        "party_labels": ("Агентство", "Компания", "Площадка"),
        "registration": "ОГРН (рег. номер): ",
        "address": "Адрес: ",
        "stamp": "М.П.",
        "annex_of": "к Договору № {{ contract_number }} от {{ contract_date }}",
        "annex1": "Приложение № 1",
        "annex1_title": "МЕТОДИКА ПИЛОТНОГО ТЕСТИРОВАНИЯ",
        "annex1_intro": (
            "Решение: «{{ solution_title }}». Объект: {{ site_name }}, {{ site_address }}. "
            "Период тестирования: с {{ start_date }} по {{ end_date }} ({{ duration_weeks }} нед.)."
        ),
        "hypotheses": "Проверяемые гипотезы",
        "kpis": "Ключевые показатели эффективности",
        "kpi_columns": (
            "Показатель", "Ед. изм.", "Базовое значение", "Целевое значение",
            "Мин. допустимое значение", "Частота замеров", "Источник данных", "Отв. сторона",
        ),
        "feedback": "План сбора обратной связи жителей",
        "feedback_text": (
            "Обратная связь собирается от посетителей Объекта, воспользовавшихся Решением, путём "
            "анкетирования, в том числе по QR-коду. Минимальное число респондентов — "
            "{{ feedback_min_respondents }}. Респондентам задаются следующие вопросы:"
        ),
        "success": "Критерии успешности",
        "success_text": (
            "Пилотное тестирование признаётся успешным при одновременном выполнении следующих "
            "условий:"
        ),
        "annex2": "Приложение № 2",
        "annex2_title": "КАЛЕНДАРЬ КОНТРОЛЬНЫХ ТОЧЕК",
        "checkpoint_columns": ("№ п/п", "Дата", "Контрольная точка"),
        "annex2_text": (
            "По результатам каждой контрольной точки Агентство фиксирует фактические значения "
            "КПЭ, собранную обратную связь жителей, выявленные отклонения и принятые меры и "
            "направляет эти сведения Компании и Площадке."
        ),
        "annex_signatures": "ПОДПИСИ СТОРОН",
        "footer": "Договор № {{ contract_number }} от {{ contract_date }}\tСтр. ",
    },
    "en": {
        "title": "AGREEMENT No. {{ contract_number }}",
        "subtitle": "on pilot testing of an innovative solution",
        "place_date": "{{ place }}\t{{ contract_date }}",
        "preamble": (
            "{{ agency.name }} (the “Agency”), represented by {{ agency.signatory_title }} "
            "{{ agency.signatory_name }}, acting under its charter or a power of attorney, "
            "{{ company.name }} (the “Company”), represented by {{ company.signatory_title }} "
            "{{ company.signatory_name }}, acting under its charter or a power of attorney, and "
            "{{ site.name }} (the “Test Site”), represented by {{ site.signatory_title }} "
            "{{ site.signatory_name }}, acting under its charter or a power of attorney, "
            "hereinafter jointly referred to as the “Parties” and individually as a “Party”, "
            "within the programme for pilot testing of innovative solutions in the city of "
            "Moscow implemented under Moscow Government Decree No. 631-PP of 27 May 2020, have "
            "entered into this agreement (the “Agreement”) as follows."
        ),
        "sections": [
            ("SUBJECT OF THE AGREEMENT", [
                "The Parties undertake to jointly organise and carry out pilot testing of the "
                "innovative solution “{{ solution_title }}” (the “Solution”) provided by the "
                "Company at the Test Site facility at {{ site_address }} ({{ site_name }}, the "
                "“Facility”) in accordance with the Pilot Testing Methodology (Annex 1 to "
                "the Agreement, the “Methodology”) and the Checkpoint Calendar (Annex 2 to the "
                "Agreement).",
                "Description of the Solution: {{ solution_description }}",
                "The purpose of the pilot testing is to verify the hypotheses and the achievement "
                "of the key performance indicators (the “KPIs”) set out in the Methodology under "
                "real operating conditions with the participation of Moscow residents.",
                "The pilot testing is carried out free of charge. The Parties pay no remuneration "
                "to each other and do not reimburse each other's expenses incurred in performing "
                "the Agreement; each Party bears its own expenses.",
                "Entering into the Agreement creates no obligation for any Party to subsequently "
                "purchase, deploy or finance the Solution.",
            ]),
            ("TERM OF THE AGREEMENT AND TESTING TIMELINE", [
                "The Agreement enters into force on the date it is signed by all Parties and "
                "remains in force until the Parties have fully performed their obligations.",
                "The pilot testing is carried out from {{ start_date }} to {{ end_date }}. The "
                "testing lasts {{ duration_weeks }} weeks.",
                "The progress of the pilot testing is assessed at the checkpoints listed in "
                "Annex 2 to the Agreement. At each checkpoint the actual KPI values, the "
                "residents' feedback collected, any deviations identified and the measures "
                "taken are recorded.",
                "The testing timeline may be changed by written agreement of the Parties.",
            ]),
            ("OBLIGATIONS OF THE AGENCY", [
                "To coordinate the interaction of the Parties, appoint a pilot testing "
                "coordinator and communicate the coordinator's contact details to the Company and "
                "the Test Site within 3 (three) business days of the signing of the Agreement.",
                "To monitor the pilot testing at the checkpoints, record the results of the KPI "
                "measurements and communicate them to the Company and the Test Site.",
                "To organise the collection of residents' feedback in accordance with the "
                "Methodology.",
                "Within 20 (twenty) business days after the pilot testing ends, to prepare an "
                "analytical report containing the testing results, residents' feedback "
                "statistics, expert conclusions and a recommendation on the further development "
                "or roll-out of the Solution, and to send it to the Company and the Test Site.",
            ]),
            ("OBLIGATIONS OF THE COMPANY", [
                "To deliver, install and configure the Solution at the Facility by its own "
                "efforts and at its own expense within the time agreed with the Test Site, and, "
                "once the testing is over, to dismantle it and restore the Facility to its "
                "original condition.",
                "To ensure that the Solution complies with the laws of the Russian Federation, "
                "including safety, sanitary and fire safety requirements, and that the required "
                "certificates and/or declarations of conformity are in place.",
                "To keep the Solution operational and provide technical support for it "
                "throughout the testing, and to brief the Test Site's staff.",
                "To provide the Agency with the data required to measure the KPIs at the "
                "frequency and in the manner set out in the Methodology.",
                "To notify the Agency and the Test Site without delay of failures, incidents and "
                "other circumstances preventing the testing.",
                "Not to use the names and designations of the Agency and the Test Site in "
                "advertising or other public materials without their prior written consent.",
            ]),
            ("OBLIGATIONS OF THE TEST SITE", [
                "To give the Company, for the duration of the testing, access to the Facility "
                "and space to place the Solution in the manner and at the hours agreed by the "
                "Parties, subject to the Facility's internal rules.",
                "To assist in informing the Facility's visitors about the pilot testing and in "
                "collecting residents' feedback.",
                "To keep the Company's equipment placed at the Facility safe to the extent of the "
                "measures the Test Site takes to protect its own property.",
                "To provide the Agency with the information required to measure the KPIs for "
                "which the Test Site is responsible under the Methodology.",
                "To notify the Agency and the Company without delay of malfunctions of the "
                "Solution and of complaints from the Facility's visitors.",
            ]),
            ("CONFIDENTIALITY", [
                "The Parties shall not disclose to third parties, without the prior written "
                "consent of the disclosing Party, any information received in connection with "
                "the performance of the Agreement and marked by the disclosing Party as "
                "confidential, except as required by the laws of the Russian Federation.",
                "Information that is publicly available or lawfully received by a Party from "
                "third parties without a duty of confidentiality is not confidential.",
                "The Agency may publish the aggregated results of the pilot testing and the names "
                "of the Company and the Solution without disclosing the Parties' confidential "
                "information.",
                "The obligations under this section remain in force for the term of the "
                "Agreement and for 3 (three) years after its termination.",
            ]),
            ("INTELLECTUAL PROPERTY", [
                "The exclusive rights to the Solution, including the computer programs, "
                "databases, inventions, utility models, industrial designs and means of "
                "individualisation it comprises, belong to the Company or its right holders and "
                "are not transferred to the other Parties under the Agreement.",
                "The Company grants the Agency and the Test Site a royalty-free simple "
                "(non-exclusive) licence to use the Solution at the Facility solely for the "
                "purposes and for the duration of the pilot testing.",
                "The Company warrants that the use of the Solution during the testing does not "
                "infringe the rights of third parties and shall settle at its own expense any "
                "third-party claims related to such use.",
                "The exclusive rights to the analytical report and other materials prepared by "
                "the Agency on the testing results belong to the Agency. The Company and the "
                "Test Site may use the analytical report in their activities with a reference to "
                "the Agency.",
            ]),
            ("PERSONAL DATA OF CITIZENS", [
                "The Parties process citizens' personal data only to the extent necessary for "
                "the purposes of the pilot testing and in accordance with Federal Law No. 152-FZ "
                "of 27 July 2006 “On Personal Data”.",
                "Residents take part in the testing and in surveys voluntarily. Feedback is "
                "collected in anonymised form wherever possible; citizens' personal data are "
                "processed only with their consent given in accordance with the laws of the "
                "Russian Federation.",
                "If the Solution collects personal data, including images, voice or biometric "
                "personal data, the Company shall, before the testing starts, agree with the "
                "Agency and the Test Site on the data collected, the purposes and the retention "
                "periods, store the data in databases located in the Russian Federation, and "
                "take the legal, organisational and technical measures required to protect them.",
                "When the testing ends, the personal data obtained during it shall be destroyed "
                "or anonymised unless the laws of the Russian Federation provide otherwise.",
            ]),
            ("LIABILITY", [
                "The Parties are liable for failure to perform or improper performance of their "
                "obligations under the Agreement in accordance with the laws of the Russian "
                "Federation.",
                "The Company shall compensate in full any harm caused to the life, health or "
                "property of citizens, the Test Site and third parties by the operation of the "
                "Solution.",
                "The Agency and the Test Site are not liable if the Solution does not achieve the "
                "KPIs set out in the Methodology.",
                "The Parties are released from liability for failure to perform their "
                "obligations caused by force majeure, provided that they notify the other "
                "Parties in writing within 5 (five) business days of its occurrence.",
            ]),
            ("EARLY TERMINATION OF THE TESTING AND OF THE AGREEMENT", [
                "The Agreement may be terminated early by agreement of the Parties.",
                "The Agency may stop the pilot testing and unilaterally withdraw from the "
                "Agreement by written notice to the Company and the Test Site if any of the "
                "following occurs (stop criteria):",
                Bullets(item="criterion", items="stop_criteria"),
                "Any Party may unilaterally withdraw from the Agreement by giving the other "
                "Parties at least 10 (ten) business days' written notice.",
                "On early termination of the Agreement the Company shall dismantle the Solution "
                "and vacate the Facility within 10 (ten) business days, and the Agency shall "
                "prepare an analytical report on the part of the testing carried out.",
            ]),
            ("FINAL PROVISIONS", [
                "Disputes arising from the Agreement are settled by negotiation. A pre-trial "
                "claim procedure is mandatory; a claim must be answered within 10 (ten) business "
                "days. Disputes not settled are referred to the Arbitrazh Court of the City of "
                "Moscow.",
                "Amendments and additions to the Agreement are valid only if made in writing and "
                "signed by authorised representatives of all Parties.",
                "The Agreement is made in three counterparts of equal legal force, one for each "
                "Party.",
                "The following annexes form an integral part of the Agreement: Annex 1 “Pilot "
                "Testing Methodology”; Annex 2 “Checkpoint Calendar”.",
            ]),
        ],
        "signatures_heading": "ADDRESSES, DETAILS AND SIGNATURES OF THE PARTIES",
        "party_labels": ("Agency", "Company", "Test Site"),
        "registration": "Registration No.: ",
        "address": "Address: ",
        "stamp": "(seal)",
        "annex_of": "to Agreement No. {{ contract_number }} of {{ contract_date }}",
        "annex1": "Annex 1",
        "annex1_title": "PILOT TESTING METHODOLOGY",
        "annex1_intro": (
            "Solution: “{{ solution_title }}”. Facility: {{ site_name }}, {{ site_address }}. "
            "Testing period: {{ start_date }} to {{ end_date }} ({{ duration_weeks }} weeks)."
        ),
        "hypotheses": "Hypotheses to be tested",
        "kpis": "Key performance indicators",
        "kpi_columns": (
            "Indicator", "Unit", "Baseline", "Target", "Minimum acceptable", "Frequency",
            "Data source", "Responsible party",
        ),
        "feedback": "Residents' feedback plan",
        "feedback_text": (
            "Feedback is collected from visitors of the Facility who have used the Solution by "
            "means of a survey, including via a QR code. Minimum number of respondents: "
            "{{ feedback_min_respondents }}. Respondents are asked the following questions:"
        ),
        "success": "Success criteria",
        "success_text": "The pilot testing is deemed successful if all of the following are met:",
        "annex2": "Annex 2",
        "annex2_title": "CHECKPOINT CALENDAR",
        "checkpoint_columns": ("No.", "Date", "Checkpoint"),
        "annex2_text": (
            "After each checkpoint the Agency records the actual KPI values, the residents' "
            "feedback collected, any deviations identified and the measures taken, and sends "
            "this information to the Company and the Test Site."
        ),
        "annex_signatures": "SIGNATURES OF THE PARTIES",
        "footer": "Agreement No. {{ contract_number }} of {{ contract_date }}\tPage ",
    },
}

REFUSAL_TEXT = {
    "ru": {
        "reference": "Исх. № {{ letter_number }}\t{{ place }}, {{ letter_date }}",
        "addressee": (
            "{{ company.signatory_title }}", "{{ company.name }}", "{{ company.signatory_name }}",
            "{{ company.address }}",
        ),
        "subject": "Об отказе в проведении пилотного тестирования",
        "salutation": "Уважаемый(-ая) {{ company.signatory_name }}!",
        "body": (
            "Агентство рассмотрело заявку № {{ application_number }} от {{ application_date }} о пилотном "
            "тестировании решения «{{ solution_title }}» и методику пилотного тестирования, подготовленную по "
            "результатам технологического анализа.",
            "По итогам рассмотрения принято решение отказать в проведении пилотного тестирования по следующей "
            "причине:",
        ),
        "closing": (
            "Отказ не препятствует повторной подаче заявки после устранения указанной причины. Благодарим Вас "
            "за интерес к программе пилотного тестирования инновационных решений города Москвы.",
        ),
        "regards": "С уважением,",
        "signature": "{{ agency.signatory_title }}\t_______________ {{ agency.signatory_name }}",
        "prepared_by": "Исполнитель: {{ coordinator }}",
        "footer": "Исх. № {{ letter_number }} от {{ letter_date }}\tСтр. ",
    },
    "en": {
        "reference": "Ref. No. {{ letter_number }}\t{{ place }}, {{ letter_date }}",
        "addressee": (
            "{{ company.signatory_name }}", "{{ company.signatory_title }}", "{{ company.name }}",
            "{{ company.address }}",
        ),
        "subject": "Re: application No. {{ application_number }}, pilot testing declined",
        "salutation": "Dear {{ company.signatory_name }},",
        "body": (
            "The Agency has reviewed your application No. {{ application_number }} of {{ application_date }} for "
            "pilot testing of the solution “{{ solution_title }}”, together with the pilot testing methodology "
            "prepared from the technology analysis.",
            "We regret to inform you that the Agency has decided not to proceed with the pilot testing, for the "
            "following reason:",
        ),
        "closing": (
            "This decision does not prevent you from applying again once the reason has been addressed. Thank you "
            "for your interest in the City of Moscow's programme for pilot testing of innovative solutions.",
        ),
        "regards": "Yours sincerely,",
        "signature": "{{ agency.signatory_title }}\t_______________ {{ agency.signatory_name }}",
        "prepared_by": "Prepared by: {{ coordinator }}",
        "footer": "Ref. No. {{ letter_number }} of {{ letter_date }}\tPage ",
    },
}

REPORT_TEXT = {
    "ru": {
        "title": "АНАЛИТИЧЕСКИЙ ОТЧЁТ № {{ report_number }}",
        "subtitle": (
            "по результатам пилотного тестирования инновационного решения «{{ solution_title }}»"
        ),
        "number_date": "Заявка № {{ application_number }}\t{{ report_date }}",
        "summary": "КРАТКИЕ ВЫВОДЫ",
        "recommendation_label": "Рекомендация: ",
        "reason_label": "Обоснование: ",
        "pilot": "РЕШЕНИЕ, КОМПАНИЯ И ПЛОЩАДКА",
        "pilot_rows": (
            ("Решение", "{{ solution_title }}"),
            ("Описание", "{{ solution_description }}"),
            ("Компания", "{{ company_name }}"),
            ("Площадка", "{{ site_name }}"),
            ("Владелец площадки", "{{ site_owner }}"),
            ("Адрес объекта", "{{ site_address }}"),
            ("Период тестирования", "с {{ pilot_start }} по {{ pilot_end }}"),
            ("Заявка", "№ {{ application_number }}"),
        ),
        "methodology": "ПРИНЯТАЯ МЕТОДИКА И ОТКЛОНЕНИЯ ОТ НЕЁ",
        "hypotheses": "Гипотезы:",
        "deviations": "Отклонения от методики:",
        "kpis": "РЕЗУЛЬТАТЫ ПО КЛЮЧЕВЫМ ПОКАЗАТЕЛЯМ ЭФФЕКТИВНОСТИ",
        "kpi_columns": (
            "Показатель", "Ед. изм.", "Базовое значение", "Целевое значение",
            "Итоговый уровень (95 % интервал)", "Изменение (95 % интервал)", "Вердикт",
        ),
        "charts": "Динамика показателей по контрольным точкам",
        "feedback": "ОБРАТНАЯ СВЯЗЬ ЖИТЕЛЕЙ",
        "bands": "Возрастные группы респондентов и жителей города:",
        "band_columns": ("Возрастная группа", "Респондентов", "Доля среди респондентов", "Доля среди жителей"),
        "themes": "Основные темы комментариев:",
        "theme_columns": ("Тема", "Комментариев", "Доля комментариев", "Средняя оценка"),
        "comments": "Отзывы жителей:",
        "comment": "«{{ comment }}»",
        "monitoring": "МОНИТОРИНГ: КОНТРОЛЬНЫЕ ТОЧКИ, ИНЦИДЕНТЫ И ПРОПУСКИ ДАННЫХ",
        "checkpoint_columns": ("Дата", "Критичность отклонений", "Итоги контрольной точки"),
        "incidents": "Инциденты:",
        "gaps": "Пропуски данных:",
        "conclusions": "ВЫВОДЫ КООРДИНАТОРА И ЭКСПЕРТА",
        "coordinator_label": "Координатор: ",
        "expert_label": "Эксперт: ",
        "recommendation": "РЕКОМЕНДАЦИЯ",
        "rule": "Правило, по которому вынесена рекомендация:",
        "signature": "Координатор пилотного тестирования\t_______________ / _______________",
        "footer": "Аналитический отчёт № {{ report_number }}\tСтр. ",
    },
    "en": {
        "title": "ANALYTICAL REPORT No. {{ report_number }}",
        "subtitle": "on the results of pilot testing of the innovative solution “{{ solution_title }}”",
        "number_date": "Application No. {{ application_number }}\t{{ report_date }}",
        "summary": "SUMMARY",
        "recommendation_label": "Recommendation: ",
        "reason_label": "Reasons: ",
        "pilot": "THE SOLUTION, THE COMPANY AND THE SITE",
        "pilot_rows": (
            ("Solution", "{{ solution_title }}"),
            ("Description", "{{ solution_description }}"),
            ("Company", "{{ company_name }}"),
            ("Test site", "{{ site_name }}"),
            ("Site owner", "{{ site_owner }}"),
            ("Facility address", "{{ site_address }}"),
            ("Testing period", "{{ pilot_start }} to {{ pilot_end }}"),
            ("Application", "No. {{ application_number }}"),
        ),
        "methodology": "THE ADOPTED METHODOLOGY AND DEVIATIONS FROM IT",
        "hypotheses": "Hypotheses:",
        "deviations": "Deviations from the methodology:",
        "kpis": "KEY PERFORMANCE INDICATOR RESULTS",
        "kpi_columns": (
            "Indicator", "Unit", "Baseline", "Target", "Final level (95 % interval)", "Change (95 % interval)",
            "Verdict",
        ),
        "charts": "The indicators over the checkpoints",
        "feedback": "CITIZENS' FEEDBACK",
        "bands": "Age bands of the respondents and of the city's residents:",
        "band_columns": ("Age band", "Respondents", "Share of respondents", "Share of residents"),
        "themes": "Main themes of the comments:",
        "theme_columns": ("Theme", "Comments", "Share of comments", "Mean rating"),
        "comments": "Citizens' comments:",
        "comment": "“{{ comment }}”",
        "monitoring": "MONITORING: CHECKPOINTS, INCIDENTS AND DATA GAPS",
        "checkpoint_columns": ("Date", "Deviation severity", "Checkpoint summary"),
        "incidents": "Incidents:",
        "gaps": "Data gaps:",
        "conclusions": "THE COORDINATOR'S AND THE EXPERT'S CONCLUSIONS",
        "coordinator_label": "Coordinator: ",
        "expert_label": "Expert: ",
        "recommendation": "RECOMMENDATION",
        "rule": "The rule that produced the recommendation:",
        "signature": "Pilot testing coordinator\t_______________ / _______________",
        "footer": "Analytical report No. {{ report_number }}\tPage ",
    },
}

PROGRAM_REPORT_TEXT = {
    "ru": {
        "title": "ОТЧЁТ О ПИЛОТНОЙ ПРОГРАММЕ",
        "subtitle": "{{ period }}",
        "agency_date": "{{ agency_name }}\t{{ report_date }}",
        "figures": "ПОКАЗАТЕЛИ ПРОГРАММЫ НА ДАТУ ОТЧЁТА",
        "quarter": "ЗА КВАРТАЛ",
        "by_sector": "ЗАЯВКИ ПО ОТРАСЛЯМ",
        "by_stage": "ЗАЯВКИ ПО СТАТУСАМ",
        "sites": "САМЫЕ ВОСТРЕБОВАННЫЕ ПЛОЩАДКИ",
        "charts": "ГРАФИКИ",
        "columns": ("Показатель", "Значение"),
        "footer": "Отчёт о пилотной программе, {{ period }}\tСтр. ",
    },
    "en": {
        "title": "PILOT PROGRAM REPORT",
        "subtitle": "{{ period }}",
        "agency_date": "{{ agency_name }}\t{{ report_date }}",
        "figures": "THE PROGRAM'S FIGURES ON THE REPORT DATE",
        "quarter": "IN THE QUARTER",
        "by_sector": "APPLICATIONS BY SECTOR",
        "by_stage": "APPLICATIONS BY STATUS",
        "sites": "THE MOST USED TEST SITES",
        "charts": "CHARTS",
        "columns": ("Figure", "Value"),
        "footer": "Pilot program report, {{ period }}\tPage ",
    },
}

KPI_FIELDS = (
    "name", "unit", "baseline", "target", "minimum_acceptable", "frequency", "data_source", "owner",
)
KPI_WIDTHS_CM = (3.6, 1.2, 1.9, 1.9, 2.3, 1.8, 2.0, 1.8)
KPI_RESULT_FIELDS = ("name", "unit", "baseline", "target", "actual", "change", "met")
KPI_RESULT_WIDTHS_CM = (4.6, 1.2, 2.0, 2.0, 2.4, 2.1, 2.2)
CHECKPOINT_WIDTHS_CM = (1.5, 3.5, 11.5)
CHECKPOINT_SUMMARY_WIDTHS_CM = (3.0, 3.5, 10.0)
BAND_WIDTHS_CM = (6.5, 3.0, 3.5, 3.5)
FIGURE_WIDTHS_CM = (12.0, 4.5)


# --------------------------------------------------------------------------------------------
# Document setup: page, fonts, styles, automatic clause numbering.
# --------------------------------------------------------------------------------------------


def new_document(language: str, footer: str):
    doc = Document()
    _drop_stale_relationships(doc)
    section = doc.sections[0]
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.left_margin, section.right_margin = LEFT_MARGIN, RIGHT_MARGIN
    section.top_margin = section.bottom_margin = Cm(2.0)
    _set_fonts_and_language(doc, PROOFING_LANGUAGE[language])
    _register_fallback_font(doc)
    _style_paragraphs(doc)
    _enable_clause_numbering(doc)
    _add_footer(doc, footer)
    return doc


def _drop_stale_relationships(doc) -> None:
    for owner in (doc.part.package, doc.part):
        for rel_id, rel in list(owner.rels.items()):
            if rel.reltype in STALE_RELATIONSHIPS:
                del owner.rels[rel_id]


def _set_fonts_and_language(doc, proofing_language: str) -> None:
    """Pin every style to Liberation Serif: theme fonts (Calibri/Cambria) would win otherwise."""
    styles = doc.styles.element
    run_properties = [styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))]
    run_properties += [
        style.element.get_or_add_rPr()
        for style in doc.styles
        if style.type in (WD_STYLE_TYPE.PARAGRAPH, WD_STYLE_TYPE.CHARACTER)
    ]
    for rpr in run_properties:
        fonts = rpr.get_or_add_rFonts()
        fonts.attrib.clear()
        for attribute in ("ascii", "hAnsi", "eastAsia", "cs"):
            fonts.set(qn(f"w:{attribute}"), FONT)
    # python-docx's default template already declares w:lang in the document defaults.
    run_properties[0].find(qn("w:lang")).set(qn("w:val"), proofing_language)


def _register_fallback_font(doc) -> None:
    """Declare Liberation Serif in the font table with Times New Roman as its substitute."""
    font_table = doc.part.part_related_by(
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships/fontTable"
    )
    root = etree.fromstring(font_table.blob)
    root.insert(0, parse_xml(
        f'<w:font {nsdecls("w")} w:name="{FONT}">'
        f'<w:altName w:val="{FALLBACK_FONT}"/>'
        '<w:panose1 w:val="02020603050405020304"/><w:charset w:val="CC"/>'
        '<w:family w:val="roman"/><w:pitch w:val="variable"/></w:font>'
    ))
    font_table._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _style_paragraphs(doc) -> None:
    styles = doc.styles
    normal = styles["Normal"]
    normal.font.size = Pt(12)
    _paragraph_format(normal, WD_ALIGN_PARAGRAPH.JUSTIFY, before=0, after=6)
    normal.paragraph_format.line_spacing = 1.0

    for name, size, alignment, before, after in (
        ("Title", 14, WD_ALIGN_PARAGRAPH.CENTER, 0, 0),
        ("Subtitle", 12, WD_ALIGN_PARAGRAPH.CENTER, 0, 12),
        ("Heading 1", 12, WD_ALIGN_PARAGRAPH.CENTER, 12, 6),
        ("Heading 2", 12, WD_ALIGN_PARAGRAPH.LEFT, 12, 6),
    ):
        style = styles[name]
        style.font.size, style.font.bold, style.font.italic = Pt(size), True, False
        style.font.color.rgb = BLACK
        _paragraph_format(style, alignment, before, after)
        _remove_children(style.element.pPr, "w:pBdr", "w:contextualSpacing")
        _remove_children(style.element.rPr, "w:spacing", "w:kern")
    styles["Title"].paragraph_format.keep_with_next = True

    quote = styles["Quote"]
    quote.font.color.rgb = BLACK
    quote.paragraph_format.left_indent = Cm(1.0)

    list_number = styles["List Number"]
    _remove_children(list_number.element.pPr, "w:contextualSpacing")

    table_text = styles.add_style(TABLE_TEXT_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    table_text.base_style = normal
    table_text.font.size = Pt(9)  # eight KPI columns must fit the A4 text width
    _paragraph_format(table_text, WD_ALIGN_PARAGRAPH.LEFT, before=0, after=0)

    for name in ("Header", "Footer"):
        style = styles[name]
        style.font.size = Pt(9)
        style.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
        style.paragraph_format.tab_stops.clear_all()
        style.paragraph_format.tab_stops.add_tab_stop(TEXT_WIDTH, WD_TAB_ALIGNMENT.RIGHT)


def _paragraph_format(style, alignment, before: int, after: int) -> None:
    style.paragraph_format.alignment = alignment
    style.paragraph_format.space_before = Pt(before)
    style.paragraph_format.space_after = Pt(after)


def _remove_children(element, *tags: str) -> None:
    for tag in tags:
        for child in element.findall(qn(tag)):
            element.remove(child)


def _enable_clause_numbering(doc) -> None:
    """Number "Heading 1" as 1., 2., ... and "List Number" beneath it as 1.1., 1.2., ...

    One multilevel list linked to both styles; level 2 restarts after every level-1 heading,
    so clauses renumber themselves when a lawyer inserts or deletes one.
    """
    numbering = doc.part.numbering_part.element
    abstract_ids = [int(a.get(qn("w:abstractNumId"))) for a in numbering.findall(qn("w:abstractNum"))]
    num_ids = [int(n.get(qn("w:numId"))) for n in numbering.findall(qn("w:num"))]
    abstract_id, num_id = max(abstract_ids) + 1, max(num_ids) + 1
    abstract = parse_xml(
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{abstract_id}">'
        '<w:multiLevelType w:val="multilevel"/>'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/>'
        '<w:pStyle w:val="Heading1"/><w:suff w:val="space"/><w:lvlText w:val="%1."/>'
        '<w:lvlJc w:val="left"/><w:pPr><w:ind w:left="0" w:firstLine="0"/></w:pPr></w:lvl>'
        '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/>'
        '<w:pStyle w:val="ListNumber"/><w:suff w:val="space"/><w:lvlText w:val="%1.%2."/>'
        '<w:lvlJc w:val="left"/><w:pPr><w:ind w:left="0" w:firstLine="709"/></w:pPr></w:lvl>'
        "</w:abstractNum>"
    )
    # The schema wants every abstractNum before the first num.
    numbering.find(qn("w:num")).addprevious(abstract)
    numbering.append(parse_xml(
        f'<w:num {nsdecls("w")} w:numId="{num_id}"><w:abstractNumId w:val="{abstract_id}"/></w:num>'
    ))
    for style_name, level in (("Heading 1", 0), ("List Number", 1)):
        num_pr = doc.styles[style_name].element.get_or_add_pPr().get_or_add_numPr()
        num_pr.get_or_add_ilvl().val = level
        num_pr.get_or_add_numId().val = num_id


def _add_footer(doc, text: str) -> None:
    paragraph = doc.sections[0].footer.paragraphs[0]
    paragraph.add_run(text)
    paragraph._p.append(parse_xml(
        f'<w:fldSimple {nsdecls("w")} w:instr=" PAGE "><w:r><w:t>1</w:t></w:r></w:fldSimple>'
    ))


# --------------------------------------------------------------------------------------------
# Content helpers.
# --------------------------------------------------------------------------------------------


def add_paragraph(
    container, text: str = "", style: str | None = None, *, alignment=None, tab_at_right: bool = False
):
    paragraph = container.add_paragraph(style=style)
    if text:
        paragraph.add_run(text.replace(*NUMBER_SIGN))
    if alignment is not None:
        paragraph.alignment = alignment
    if tab_at_right:
        paragraph.paragraph_format.tab_stops.add_tab_stop(TEXT_WIDTH, WD_TAB_ALIGNMENT.RIGHT)
    return paragraph


def add_labeled(container, label: str, value: str):
    paragraph = container.add_paragraph()
    paragraph.add_run(label).bold = True
    paragraph.add_run(value)
    return paragraph


def add_paragraph_loop(container, item: str, items: str, text: str, style: str) -> None:
    """docxtpl drops the two {%p ...%} paragraphs and repeats the one between them per item."""
    add_paragraph(container, f"{{%p for {item} in {items} %}}")
    add_paragraph(container, text, style)
    add_paragraph(container, "{%p endfor %}")


def add_bullets(container, loop: Bullets) -> None:
    add_paragraph_loop(container, loop.item, loop.items, f"{{{{ {loop.item} }}}}", "List Bullet")


def add_sections(doc, sections) -> None:
    for heading, clauses in sections:
        add_paragraph(doc, heading, "Heading 1")
        for clause in clauses:
            if isinstance(clause, Bullets):
                add_bullets(doc, clause)
            else:
                add_paragraph(doc, clause, "List Number")


def add_title(doc, title: str, subtitle: str) -> None:
    add_paragraph(doc, title, "Title")
    add_paragraph(doc, subtitle, "Subtitle")


def add_loop_table(doc, columns, item: str, items: str, fields, widths_cm) -> None:
    """A table with a repeated header row and one row per list item ({%tr for %})."""
    table = _new_table(doc, rows=4, widths_cm=widths_cm, style="Table Grid")
    header, loop_start, body, loop_end = table.rows
    _mark_header_row(header)
    for cell, text in zip(header.cells, columns):
        _set_cell_text(cell, text, bold=True)
        _shade(cell)
    _set_cell_text(loop_start.cells[0], f"{{%tr for {item} in {items} %}}")
    for cell, field in zip(body.cells, fields):
        _set_cell_text(cell, f"{{{{ {item}.{field} }}}}")
    _set_cell_text(loop_end.cells[0], "{%tr endfor %}")


def add_key_value_table(doc, rows) -> None:
    table = _new_table(doc, rows=len(rows), widths_cm=(5.0, 11.5), style="Table Grid")
    for row, (label, value) in zip(table.rows, rows):
        _set_cell_text(row.cells[0], label, bold=True)
        _shade(row.cells[0])
        _set_cell_text(row.cells[1], value)


def add_signature_table(doc, text, *, with_details: bool) -> None:
    """One borderless column per party; rows keep titles and signature lines level across columns."""
    table = _new_table(doc, rows=3, widths_cm=(5.5, 5.5, 5.5), style=None)
    party_row, title_row, signature_row = table.rows
    for column, (party, label) in enumerate(zip(("agency", "company", "site"), text["party_labels"])):
        details = party_row.cells[column]
        _set_cell_text(details, f"{label}:", bold=True)
        if with_details:
            for line in (
                f"{{{{ {party}.name }}}}",
                f"{text['registration']}{{{{ {party}.registration_number }}}}",
                f"{text['address']}{{{{ {party}.address }}}}",
            ):
                add_paragraph(details, line, TABLE_TEXT_STYLE)
        title = title_row.cells[column]
        _set_cell_text(title, f"{{{{ {party}.signatory_title }}}}")
        title.paragraphs[0].paragraph_format.space_before = Pt(9)
        signature = signature_row.cells[column]
        _set_cell_text(signature, "________________________")
        signature.paragraphs[0].paragraph_format.space_before = Pt(18)
        add_paragraph(signature, f"{{{{ {party}.signatory_name }}}}", TABLE_TEXT_STYLE)
        add_paragraph(signature, text["stamp"], TABLE_TEXT_STYLE)
    # Keep the block whole and on the same page as the heading above it.
    for row in table.rows:
        row._tr.get_or_add_trPr().append(parse_xml(f'<w:cantSplit {nsdecls("w")}/>'))
    for row in (party_row, title_row):
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                paragraph.paragraph_format.keep_with_next = True


def _new_table(doc, *, rows: int, widths_cm, style: str | None):
    table = doc.add_table(rows=rows, cols=len(widths_cm))
    if style:
        table.style = doc.styles[style]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for column, width in zip(table.columns, widths_cm):
        column.width = Cm(width)
        for cell in column.cells:
            cell.width = Cm(width)
    return table


def _set_cell_text(cell, text: str, *, bold: bool = False) -> None:
    paragraph = cell.paragraphs[0]
    paragraph.style = TABLE_TEXT_STYLE
    paragraph.add_run(text.replace(*NUMBER_SIGN)).bold = bold or None


def _shade(cell) -> None:
    cell._tc.get_or_add_tcPr().append(
        parse_xml(f'<w:shd {nsdecls("w")} w:val="clear" w:color="auto" w:fill="{HEADER_FILL}"/>')
    )


def _mark_header_row(row) -> None:
    """Repeat the row at the top of every page the table spans."""
    row._tr.get_or_add_trPr().append(parse_xml(f'<w:tblHeader {nsdecls("w")}/>'))


def add_annex_heading(doc, text, label_key: str, title_key: str) -> None:
    label = add_paragraph(doc, text[label_key], alignment=WD_ALIGN_PARAGRAPH.RIGHT)
    label.paragraph_format.page_break_before = True
    label.paragraph_format.space_after = Pt(0)
    add_paragraph(doc, text["annex_of"], alignment=WD_ALIGN_PARAGRAPH.RIGHT)
    title = add_paragraph(doc, text[title_key], "Title").paragraph_format
    title.space_before, title.space_after = Pt(12), Pt(12)


# --------------------------------------------------------------------------------------------
# The documents.
# --------------------------------------------------------------------------------------------


def build_contract(language: str):
    text = CONTRACT_TEXT[language]
    doc = new_document(language, text["footer"])
    add_title(doc, text["title"], text["subtitle"])
    add_paragraph(doc, text["place_date"], tab_at_right=True, alignment=WD_ALIGN_PARAGRAPH.LEFT)
    add_paragraph(doc, text["preamble"]).paragraph_format.first_line_indent = Cm(1.25)
    add_sections(doc, text["sections"])
    add_paragraph(doc, text["signatures_heading"], "Heading 1")
    add_signature_table(doc, text, with_details=True)

    add_annex_heading(doc, text, "annex1", "annex1_title")
    add_paragraph(doc, text["annex1_intro"])
    add_paragraph(doc, text["hypotheses"], "Heading 2")
    add_bullets(doc, Bullets(item="hypothesis", items="hypotheses"))
    add_paragraph(doc, text["kpis"], "Heading 2")
    add_loop_table(doc, text["kpi_columns"], "kpi", "kpis", KPI_FIELDS, KPI_WIDTHS_CM)
    add_paragraph(doc, text["feedback"], "Heading 2")
    add_paragraph(doc, text["feedback_text"])
    add_bullets(doc, Bullets(item="question", items="feedback_questions"))
    add_paragraph(doc, text["success"], "Heading 2")
    add_paragraph(doc, text["success_text"])
    add_bullets(doc, Bullets(item="criterion", items="success_criteria"))
    add_paragraph(doc, text["annex_signatures"], "Heading 2")
    add_signature_table(doc, text, with_details=False)

    add_annex_heading(doc, text, "annex2", "annex2_title")
    add_loop_table(
        doc, text["checkpoint_columns"], "checkpoint", "checkpoints", ("number", "date", "kind"),
        CHECKPOINT_WIDTHS_CM,
    )
    add_paragraph(doc, text["annex2_text"]).paragraph_format.space_before = Pt(6)
    add_paragraph(doc, text["annex_signatures"], "Heading 2")
    add_signature_table(doc, text, with_details=False)
    return doc


def build_refusal(language: str):
    """A one-page letter on the agency's letterhead: addressee on the right, the reason quoted."""
    text = REFUSAL_TEXT[language]
    doc = new_document(language, text["footer"])
    letterhead = add_paragraph(doc, alignment=WD_ALIGN_PARAGRAPH.CENTER)
    letterhead.add_run("{{ agency.name }}").bold = True
    add_paragraph(doc, "{{ agency.address }}", TABLE_TEXT_STYLE, alignment=WD_ALIGN_PARAGRAPH.CENTER)
    reference = add_paragraph(doc, text["reference"], tab_at_right=True, alignment=WD_ALIGN_PARAGRAPH.LEFT)
    reference.paragraph_format.space_after = Pt(12)
    for line in text["addressee"]:
        addressee = add_paragraph(doc, line, alignment=WD_ALIGN_PARAGRAPH.LEFT).paragraph_format
        addressee.left_indent, addressee.space_after = Cm(9.0), Pt(0)
    subject = add_paragraph(doc, alignment=WD_ALIGN_PARAGRAPH.LEFT)
    subject.paragraph_format.space_before = Pt(18)
    subject.add_run(text["subject"]).bold = True
    add_paragraph(doc, text["salutation"], alignment=WD_ALIGN_PARAGRAPH.CENTER)
    for paragraph in text["body"]:
        add_paragraph(doc, paragraph).paragraph_format.first_line_indent = Cm(1.25)
    add_paragraph(doc, "{{ reason }}", "Quote")
    for paragraph in text["closing"]:
        add_paragraph(doc, paragraph).paragraph_format.first_line_indent = Cm(1.25)
    add_paragraph(doc, text["regards"], alignment=WD_ALIGN_PARAGRAPH.LEFT).paragraph_format.space_before = Pt(18)
    add_paragraph(doc, text["signature"], tab_at_right=True, alignment=WD_ALIGN_PARAGRAPH.LEFT)
    prepared_by = add_paragraph(doc, text["prepared_by"], TABLE_TEXT_STYLE)
    prepared_by.paragraph_format.space_before = Pt(36)
    return doc


def build_report(language: str):
    text = REPORT_TEXT[language]
    doc = new_document(language, text["footer"])
    add_title(doc, text["title"], text["subtitle"])
    add_paragraph(doc, text["number_date"], tab_at_right=True, alignment=WD_ALIGN_PARAGRAPH.LEFT)

    add_paragraph(doc, text["summary"], "Heading 1")
    add_labeled(doc, text["recommendation_label"], "{{ recommendation }}")
    add_labeled(doc, text["reason_label"], "{{ recommendation_reason }}")
    add_bullets(doc, Bullets(item="line", items="summary"))
    add_paragraph(doc, text["pilot"], "Heading 1")
    add_key_value_table(doc, text["pilot_rows"])

    add_paragraph(doc, text["methodology"], "Heading 1")
    add_bullets(doc, Bullets(item="line", items="methodology"))
    add_paragraph(doc, text["hypotheses"])
    add_bullets(doc, Bullets(item="hypothesis", items="hypotheses"))
    add_paragraph(doc, text["deviations"])
    add_bullets(doc, Bullets(item="deviation", items="deviations"))

    add_paragraph(doc, text["kpis"], "Heading 1")
    add_loop_table(
        doc, text["kpi_columns"], "result", "kpi_results", KPI_RESULT_FIELDS, KPI_RESULT_WIDTHS_CM
    )
    add_paragraph(doc, "{{ kpi_method }}").paragraph_format.space_before = Pt(6)
    add_paragraph(doc, text["charts"], "Heading 2")
    add_paragraph(doc, "{%p for chart in kpi_charts %}")
    add_paragraph(doc, "{{ chart.image }}", alignment=WD_ALIGN_PARAGRAPH.CENTER)
    add_paragraph(doc, "{%p endfor %}")

    add_paragraph(doc, text["feedback"], "Heading 1")
    add_bullets(doc, Bullets(item="line", items="feedback"))
    add_paragraph(doc, "{{ rating_chart }}", alignment=WD_ALIGN_PARAGRAPH.CENTER)
    add_paragraph(doc, "{{ feedback_chart }}", alignment=WD_ALIGN_PARAGRAPH.CENTER)
    add_paragraph(doc, text["bands"])
    add_loop_table(doc, text["band_columns"], "band", "bands", ("band", "count", "share", "reference"),
                   BAND_WIDTHS_CM)
    add_paragraph(doc, "{{ bands_note }}").paragraph_format.space_before = Pt(6)
    add_paragraph(doc, text["themes"])
    add_loop_table(doc, text["theme_columns"], "theme", "themes", ("name", "count", "share", "mean_rating"),
                   BAND_WIDTHS_CM)
    add_paragraph(doc, "{{ themes_note }}").paragraph_format.space_before = Pt(6)
    add_paragraph(doc, text["comments"])
    add_paragraph_loop(doc, "comment", "comments", text["comment"], "Quote")

    add_paragraph(doc, text["monitoring"], "Heading 1")
    add_loop_table(
        doc, text["checkpoint_columns"], "checkpoint", "checkpoints", ("date", "severity", "summary"),
        CHECKPOINT_SUMMARY_WIDTHS_CM,
    )
    add_paragraph(doc, text["incidents"]).paragraph_format.space_before = Pt(6)
    add_bullets(doc, Bullets(item="incident", items="incidents"))
    add_paragraph(doc, text["gaps"])
    add_bullets(doc, Bullets(item="gap", items="data_gaps"))

    add_paragraph(doc, text["conclusions"], "Heading 1")
    add_labeled(doc, text["coordinator_label"], "{{ coordinator }}")
    add_paragraph(doc, "{{ conclusions }}")
    add_labeled(doc, text["expert_label"], "{{ expert }}")
    add_paragraph(doc, "{{ expert_conclusions }}")
    add_paragraph(doc, text["recommendation"], "Heading 1")
    add_paragraph(doc, text["rule"])
    add_bullets(doc, Bullets(item="rule", items="recommendation_rule"))
    for label, value in (
        ("recommendation_label", "{{ recommendation }}"),
        ("reason_label", "{{ recommendation_reason }}"),
    ):
        # Keeps the verdict on the same page as the signature below it.
        add_labeled(doc, text[label], value).paragraph_format.keep_with_next = True
    signature = add_paragraph(
        doc, text["signature"], tab_at_right=True, alignment=WD_ALIGN_PARAGRAPH.LEFT
    )
    signature.paragraph_format.space_before = Pt(36)
    return doc


def build_program_report(language: str):
    text = PROGRAM_REPORT_TEXT[language]
    doc = new_document(language, text["footer"])
    add_title(doc, text["title"], text["subtitle"])
    add_paragraph(doc, text["agency_date"], tab_at_right=True, alignment=WD_ALIGN_PARAGRAPH.LEFT)
    for heading, items in (("figures", "figures"), ("quarter", "quarter_figures"), ("by_sector", "by_sector"),
                           ("by_stage", "by_stage"), ("sites", "sites")):
        add_paragraph(doc, text[heading], "Heading 1")
        add_loop_table(doc, text["columns"], "row", items, ("name", "value"), FIGURE_WIDTHS_CM)
    add_paragraph(doc, text["charts"], "Heading 1")
    add_paragraph(doc, "{%p for chart in charts %}")
    add_paragraph(doc, "{{ chart.image }}", alignment=WD_ALIGN_PARAGRAPH.CENTER)
    add_paragraph(doc, "{%p endfor %}")
    return doc


def main() -> None:
    TEMPLATES_DIR.mkdir(parents=True, exist_ok=True)
    for kind, build in (("contract", build_contract), ("refusal", build_refusal), ("report", build_report),
                        ("program_report", build_program_report)):
        for language in ("en", "ru"):
            buffer = io.BytesIO()
            build(language).save(buffer)
            path = TEMPLATES_DIR / f"{kind}_{language}.docx"
            title = f"pilotflow {kind} template"
            path.write_bytes(normalize_package(buffer.getvalue(), title=title, language=language))
            print(f"wrote {path}")


if __name__ == "__main__":
    main()
