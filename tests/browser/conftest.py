"""Browser journeys: Playwright (sync API) driving Debian's chromium against the live server.

Every page a journey visits goes through `Journey`, which runs axe-core on it and fails the test
on any WCAG 2.2 AA violation (tags wcag2a, wcag2aa, wcag21a, wcag21aa, wcag22aa), on any
stylesheet, script, image or font that fails to load, and on any JavaScript error. A page that
was navigated to without being checked also fails the test.

Pages without JavaScript (`java_script_enabled=False`) cannot run axe-core in place, so their
HTML, as that browser rendered it, is checked in a second page with JavaScript on for axe but
with every script of the service blocked: the same document and stylesheets, no scripts.

The tests skip, with the reason, when /usr/bin/chromium is missing, unless CI=true: in CI a
missing browser is a failure. `npx playwright install` cannot be used on these machines.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Response, Route, expect

from conftest import Cast

BASE_DIR = Path(__file__).resolve().parent.parent.parent
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_SCRIPT = BASE_DIR / "node_modules" / "axe-core" / "axe.min.js"
BUILT_STYLESHEET = BASE_DIR / "careershub" / "static" / "build" / "application.css"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PASSWORD = "correct horse battery staple"  # every persona's password (UserFactory)
CHECKED_RESOURCES = {"stylesheet", "script", "image", "font"}

AXE_RUN = """
async (tags) => {
  const results = await window.axe.run(document, {
    runOnly: {type: "tag", values: tags},
    resultTypes: ["violations"],
  });
  return results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    helpUrl: v.helpUrl,
    nodes: v.nodes.map((n) => ({target: n.target.join(" "), html: n.html, summary: n.failureSummary})),
  }));
}
"""


def in_ci() -> bool:
    return os.environ.get("CI") == "true"


def format_violations(url: str, violations: list[dict[str, Any]]) -> str:
    lines = [f"axe-core found {len(violations)} accessibility violation(s) on {url}:"]
    for violation in violations:
        lines.append(f"- [{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})")
        for node in violation["nodes"]:
            lines.append(f"    at {node['target']}: {node['html'][:200]}")
            for summary_line in (node["summary"] or "").splitlines():
                lines.append(f"      {summary_line}")
    return "\n".join(lines)


def run_axe(page: Page) -> list[dict[str, Any]]:
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE_SCRIPT))
    violations: list[dict[str, Any]] = page.evaluate(AXE_RUN, WCAG_TAGS)
    return violations


class Auditor:
    """Runs axe-core over HTML rendered elsewhere (a no-JavaScript page), with the service's scripts blocked."""

    def __init__(self, context: BrowserContext) -> None:
        self.page = context.new_page()
        self.html = ""
        self.page.route("**/*", self._serve)

    def _serve(self, route: Route) -> None:
        request = route.request
        if request.is_navigation_request() and request.frame == self.page.main_frame:
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=self.html)
        elif request.resource_type == "script":
            route.abort()
        else:
            route.continue_()

    def audit(self, url: str, html: str) -> list[dict[str, Any]]:
        self.html = html
        self.page.goto(url, wait_until="load")
        return run_axe(self.page)


class Journey:
    """A person's visit: every navigation goes through here and every page is checked."""

    def __init__(self, page: Page, base_url: str, auditor: Auditor | None = None) -> None:
        self.page = page
        self.base_url = base_url.rstrip("/")
        self.auditor = auditor  # set for pages without JavaScript
        self.visited: list[str] = []
        self.unchecked: list[str] = []
        self.problems: list[str] = []
        self.failed_urls: set[str] = set()
        self.failed = False
        page.on("framenavigated", self._on_navigated)
        page.on("response", self._on_response)
        page.on("requestfailed", self._on_request_failed)
        page.on("pageerror", lambda error: self.problems.append(f"JavaScript error on {page.url}: {error}"))

    def _on_navigated(self, frame: Any) -> None:
        if frame == self.page.main_frame:
            self.unchecked.append(frame.url)

    def _on_response(self, response: Response) -> None:
        if response.request.resource_type in CHECKED_RESOURCES and response.status >= 400:
            self.failed_urls.add(response.url)
            self.problems.append(f"{response.request.resource_type} {response.url} answered {response.status}")

    def _on_request_failed(self, request: Any) -> None:
        # A 404 is also reported by Chromium as an aborted request: say it once.
        if request.resource_type in CHECKED_RESOURCES and request.url not in self.failed_urls:
            self.failed_urls.add(request.url)
            self.problems.append(f"{request.resource_type} {request.url} failed: {request.failure}")

    # Navigation ---------------------------------------------------------------------------

    def goto(self, path: str, *, status: int = 200) -> Response | None:
        response = self.page.goto(self.base_url + path)
        assert response is not None
        assert response.status == status, f"{path} answered {response.status}, expected {status}"
        self.check()
        return response

    def navigate(self, action: Callable[[], Any]) -> None:
        """Do something that loads a new page (follow a link, submit a form), then check that page."""
        with self.page.expect_navigation():
            action()
        self.check()

    def follow(self, link_name: str | re.Pattern[str], *, within: str | None = None) -> None:
        scope = self.page.locator(within) if within else self.page
        self.navigate(lambda: scope.get_by_role("link", name=link_name, exact=True).first.click())

    def press(self, button_name: str | re.Pattern[str]) -> None:
        self.navigate(lambda: self.page.get_by_role("button", name=button_name).click())

    # Checks -------------------------------------------------------------------------------

    def check(self) -> None:
        """Check the page now shown: its resources loaded, axe-core finds no WCAG 2.2 AA violations."""
        self.page.wait_for_load_state("load")
        url = self.page.url
        self.visited.append(url)
        self.unchecked.clear()
        violations = run_axe(self.page) if self.auditor is None else self.auditor.audit(url, self.page.content())
        messages = []
        if self.problems:
            messages.append(f"Problems loading {url}:\n" + "\n".join(f"- {problem}" for problem in self.problems))
            self.problems.clear()
        if violations:
            messages.append(format_violations(url, violations))
        if messages:
            self.failed = True
            pytest.fail("\n\n".join(messages), pytrace=False)

    def finish(self) -> None:
        """At the end of the test: every page was checked and nothing failed to load since."""
        if self.failed:
            return  # the failure is already reported
        if self.unchecked:
            pytest.fail(f"Pages visited without an accessibility check: {self.unchecked}", pytrace=False)
        if self.problems:
            pytest.fail("Problems after the last check:\n" + "\n".join(self.problems), pytrace=False)

    # Common steps -------------------------------------------------------------------------

    def sign_in(self, email: str, password: str = PASSWORD) -> None:
        if not self.page.url.startswith(f"{self.base_url}/account/sign-in/"):
            self.goto("/account/sign-in/")
        self.page.get_by_label("Email address").fill(email)
        self.page.get_by_label("Password", exact=True).fill(password)
        self.press("Sign in")

    def sign_out(self) -> None:
        self.press("Sign out")
        expect(self.page.get_by_role("heading", level=1)).to_have_text("Sign in")

    def heading(self) -> Any:
        return expect(self.page.get_by_role("heading", level=1))


# Fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="session", autouse=True)
def _django_orm_beside_playwright() -> Iterator[None]:
    """Playwright's sync API keeps an event loop running in this thread for the rest of the
    session, which Django's async-safety check takes for async code. Nothing here is async."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        reason = f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)"
        if in_ci():
            pytest.fail(f"CI=true and {reason}", pytrace=False)
        pytest.skip(f"{reason}; set CI=true to make this a failure")
    for needed, how in ((AXE_SCRIPT, "npm ci"), (BUILT_STYLESHEET, "npm run build")):
        if not needed.is_file():
            pytest.fail(f"{needed.relative_to(BASE_DIR)} is missing: run `{how}` first", pytrace=False)
    return CHROMIUM


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any], chromium_executable: str) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": chromium_executable,
        "args": CHROMIUM_ARGS,
        "headless": browser_type_launch_args.get("headless", True),
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    # Our CSP forbids inline scripts; axe-core is injected as one, so the test browser ignores CSP.
    return {**browser_context_args, "bypass_csp": True, "locale": "en-GB", "viewport": {"width": 1280, "height": 900}}


@pytest.fixture
def journey(page: Page, live_server: Any, cast: Cast) -> Iterator[Journey]:
    """A JavaScript-enabled browser tab on the live server, with the persona cast in the database."""
    page.set_default_timeout(10_000)
    visit = Journey(page, live_server.url)
    yield visit
    visit.finish()


@pytest.fixture
def no_js_journey(
    browser: Browser, browser_context_args: dict[str, Any], live_server: Any, cast: Cast
) -> Iterator[Journey]:
    """A tab with JavaScript switched off; its pages are checked by an auditor tab with scripts blocked."""
    context = browser.new_context(**{**browser_context_args, "java_script_enabled": False})
    auditor_context = browser.new_context(**browser_context_args)
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        visit = Journey(page, live_server.url, auditor=Auditor(auditor_context))
        yield visit
        visit.finish()
    finally:
        auditor_context.close()
        context.close()
