"""The portal as people use it, in Chromium: staff find an application and download its contract, a citizen
answers from the QR code's link with the keyboard alone, a representative is kept to their own company;
axe-core checks the pages against WCAG 2.1 A/AA; the main pages are photographed at two widths."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect
from sqlmodel import select

from models.db import session_scope
from models.monitoring import monitor_batch
from models.settings import local_today
from models.stats import program_stats
from models.tables import Checkpoint, Contract, Feedback
from tests.browser.conftest import DESKTOP, PHONE, new_page, screenshot, sign_in
from tests.browser.seed import feedback_count
from tests.e2e.test_stack import docx_text

pytestmark = pytest.mark.browser

WCAG_21_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
              "resultTypes": ["violations"]}


def focused(page: Page) -> dict:
    return page.evaluate("({name: document.activeElement.name || '', tag: document.activeElement.tagName,"
                         " type: document.activeElement.type || ''})")


def tab_to(page: Page, name: str, limit: int = 30) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused(page)["name"] == name:
            return
    raise AssertionError(f"the keyboard never reached the field {name!r}")


def _stats():
    with session_scope() as session:
        return program_stats(session)


def no_sideways_scroll(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_staff_sign_in_find_an_application_and_download_its_contract(portal, browser):
    page = new_page(browser, portal)
    page.goto("/portal/applications")
    expect(page).to_have_url(re.compile(r"/portal/login\?next=%2Fportal%2Fapplications"))
    expect(page.locator("html")).to_have_attribute("lang", "ru")

    page.get_by_label("Электронная почта").fill(portal.program.staff_email)
    page.get_by_label("Пароль").fill("not the password")
    page.get_by_role("button", name="Войти").click()
    expect(page.get_by_role("alert")).to_contain_text("Неверная почта или пароль")

    page.get_by_label("Пароль").fill("portal-test-password")
    page.get_by_role("button", name="Войти").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Заявки и пилоты")
    page.get_by_label("Поиск по названию, номеру или компании").fill("навигатор")
    page.get_by_role("button", name="Показать").click()
    expect(page.get_by_role("status")).to_have_text("Найдено: 1")
    page.get_by_role("link", name="Голосовой навигатор для незрячих пассажиров").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Голосовой навигатор для незрячих пассажиров")
    expect(page.locator("#contract ~ p").first).to_contain_text("Подписан")

    number = portal.program.running_contract_number
    with page.expect_download() as download:
        page.get_by_role("link", name=f"Скачать {number}, Word (.docx)").click()
    assert download.value.suggested_filename == f"Договор {number}.docx"
    assert number in docx_text(download.value.path())  # python-docx opens it

    page.get_by_role("button", name="Выйти").click()
    expect(page.get_by_role("status")).to_have_text("Вы вышли из портала.")
    page.goto(f"/portal/applications/{portal.program.running_application}")
    expect(page).to_have_url(re.compile(r"/portal/login\?next="))


def test_a_citizen_answers_from_the_qr_code_link_with_the_keyboard_and_the_checkpoint_counts_it(portal, browser):
    program = portal.program
    answers_before = feedback_count(program.running_pilot)
    responses_before = _stats().feedback_responses
    page = new_page(browser, portal, PHONE, device="Android phone of a citizen")
    page.goto(f"/feedback/{program.feedback_token}")  # what the QR code on the poster encodes
    expect(page).to_have_url(re.compile(rf"/portal/feedback/{re.escape(program.feedback_token)}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Оцените «Голосовой навигатор для незрячих пассажиров»")

    tab_to(page, "rating")  # the first answer of the group; arrows move along it, as in any radio group
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    tab_to(page, "nps")
    for _ in range(9):
        page.keyboard.press("ArrowRight")
    tab_to(page, "comment")
    page.keyboard.type("Удобно, но объявления тихие")
    tab_to(page, "age_band")
    page.keyboard.press("End")  # the last band: 65 or older
    tab_to(page, "has_disability")
    page.keyboard.press("Space")
    expect(page.get_by_role("group", name="Насколько вы довольны решением?").get_by_role("radio", name="4")).to_be_checked()
    page.keyboard.press("Tab")  # the ease-of-use questions, folded
    page.keyboard.press("Tab")
    assert focused(page)["tag"] == "BUTTON"
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Спасибо за отзыв!")
    screenshot(page, "feedback-thanks")

    assert feedback_count(program.running_pilot) == answers_before + 1
    with session_scope() as session:
        answer = session.exec(select(Feedback).order_by(Feedback.id.desc())).first()
        assert (answer.rating, answer.nps, answer.comment, answer.age_band, answer.has_disability) == (
            4, 9, "Удобно, но объявления тихие", "65+", True)
        today = local_today()
        before = session.exec(select(Checkpoint).where(Checkpoint.pilot_id == program.running_pilot,
                                                       Checkpoint.as_of == today)).one().feedback_summary
        monitor_batch(session, [program.running_pilot], today, None)  # today's sweep, run again
    with session_scope() as session:
        after = session.exec(select(Checkpoint).where(Checkpoint.pilot_id == program.running_pilot,
                                                      Checkpoint.as_of == today)).one().feedback_summary
    assert after["respondents"] == before["respondents"] + 1
    assert _stats().feedback_responses == responses_before + 1

    page.goto(f"/portal/feedback/{program.feedback_token}")  # the same phone answers again at once
    page.get_by_role("group", name="Насколько вы довольны решением?").get_by_role("radio", name="5").check()
    page.get_by_role("group", name=re.compile("порекомендуете")).get_by_role("radio", name="10").check()
    with page.expect_response(lambda r: r.request.method == "POST") as repeat:
        page.get_by_role("button", name="Отправить отзыв").click()
    assert repeat.value.status == 429
    expect(page.get_by_role("status")).to_contain_text("ваш отзыв уже получен")
    assert feedback_count(program.running_pilot) == answers_before + 1

    staff = new_page(browser, portal)
    sign_in(staff, program.staff_email)
    staff.goto(f"/portal/applications/{program.running_application}")
    first_checkpoint = staff.get_by_role("region", name="Контрольные точки мониторинга").locator("tbody tr").first
    expect(first_checkpoint.locator("td.num").first).to_have_text(str(after["respondents"]))


def test_a_representative_sees_only_their_company(portal, browser):
    program = portal.program
    page = new_page(browser, portal)
    sign_in(page, program.representative_email)
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("tbody")).not_to_contain_text("Голосовой навигатор")

    with session_scope() as session:
        others_contract = session.exec(select(Contract).where(
            Contract.application_id == program.running_application)).one().document_id
    for path in (f"/portal/pilots/{program.running_pilot}", f"/portal/applications/{program.running_application}",
                 f"/portal/documents/{others_contract}", "/portal/pilots/999999"):
        response = page.goto(path)
        assert response.status == 404, path
        expect(page.get_by_role("heading", level=1)).to_have_text("Ошибка 404")
        expect(page.locator("main")).not_to_contain_text("Голосовой навигатор")

    response = page.goto(f"/portal/pilots/{program.awaiting_pilot}")  # their own pilot
    assert response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text("Датчики качества воздуха во дворах")
    expect(page.locator("#contract ~ p").first).to_contain_text("Подписан частично")
    assert page.goto("/portal/dashboard").status == 403  # the program's figures are the agency's
    page.goto("/portal/contracts")
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody")).not_to_contain_text(program.running_contract_number)


@pytest.mark.parametrize("language", ["ru", "en"])
def test_the_sign_in_and_citizen_pages_pass_axe_wcag_21_aa(portal, browser, language):
    page = new_page(browser, portal, PHONE, device=f"axe {language}")
    pages = {
        "sign-in": f"/portal/login?lang={language}",
        "citizen": f"/portal/feedback/{portal.program.feedback_token}?lang={language}",
    }
    for name, path in pages.items():
        page.goto(path)
        expect(page.locator("html")).to_have_attribute("lang", language)
        _assert_no_violations(page, name)
    page.goto(pages["sign-in"])
    page.locator("#email").fill("nobody@agency.example")
    page.locator("#password").fill("wrong password")
    page.locator("button[type=submit]").click()
    expect(page.get_by_role("alert")).to_be_visible()
    _assert_no_violations(page, "sign-in with an error")
    page.goto(pages["citizen"])
    page.evaluate("document.querySelectorAll('[required]').forEach(e => e.removeAttribute('required'))")
    page.locator("button[type=submit]").click()  # nothing answered: the server names both questions
    expect(page.get_by_role("alert")).to_be_visible()
    _assert_no_violations(page, "citizen page with errors")


def _assert_no_violations(page: Page, name: str) -> None:
    results = Axe().run(page, options=WCAG_21_AA)
    assert results.violations_count == 0, f"{name}: {results.generate_report()}"


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_screenshots_of_the_main_pages(portal, browser, viewport):
    program = portal.program
    citizen = new_page(browser, portal, viewport, device=f"screenshots {viewport['width']}")
    citizen.goto("/portal/login")
    screenshot(citizen, "sign-in")
    citizen.goto(f"/portal/feedback/{program.feedback_token}")
    screenshot(citizen, "feedback")
    assert no_sideways_scroll(citizen)

    page = new_page(browser, portal, viewport)
    sign_in(page, program.staff_email)
    for name, path in (("applications", "/portal/applications"),
                       ("application", f"/portal/applications/{program.running_application}"),
                       ("application-awaiting-signatures", f"/portal/applications/{program.awaiting_application}"),
                       ("contracts", "/portal/contracts"), ("dashboard", "/portal/dashboard"),
                       ("applications-en", "/portal/applications?lang=en"),
                       ("not-found", "/portal/applications/999999")):
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert no_sideways_scroll(page), f"{name} scrolls sideways at {viewport['width']} px"
        assert screenshot(page, name).stat().st_size > 10_000
        _assert_no_violations(page, name)  # the staff pages too, though only the public ones are required
