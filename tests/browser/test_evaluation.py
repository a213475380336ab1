"""A careers leader completes a 2024-framework self-evaluation in the browser: learner numbers,
every benchmark's questions, a link and a PDF as evidence, submission, results and the PDF report."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from careershub.evaluations.models import Evaluation, EvaluationStatus, Evidence
from conftest import Cast
from tests.browser.conftest import Journey

pytestmark = pytest.mark.browser

MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def test_careers_leader_completes_and_submits_an_evaluation(journey: Journey, cast: Cast, tmp_path: Path) -> None:
    page = journey.page
    journey.sign_in("leader@ashby.example")
    journey.follow("Self-evaluation", within="nav")
    journey.heading().to_have_text("Self-evaluation against the Gatsby Benchmarks")
    journey.press("Start a new evaluation")
    journey.press("Start evaluation")
    journey.heading().to_have_text("Self-evaluation")
    evaluation = Evaluation.objects.get(institution=cast.ashby)
    assert evaluation.framework.code == "gatsby-2024-schools"

    # Learner numbers first: no sixth form, so the Year 12 and 13 questions drop out.
    journey.follow("Learner numbers", within="main")
    for year, count in {"Y7": 180, "Y8": 175, "Y9": 182, "Y10": 170, "Y11": 168, "Y12": 0, "Y13": 0}.items():
        page.locator(f"#id_yg_{year}").fill(str(count))
    journey.press("Save learner numbers")

    spec = evaluation.spec()
    journey.follow("Benchmark 1: " + spec.benchmark(1).title, within="main")
    for benchmark in spec.benchmarks:
        journey.heading().to_contain_text(f"Benchmark {benchmark.number}")
        radios = page.locator("input[type=radio]")
        names = sorted({radios.nth(i).get_attribute("name") or "" for i in range(radios.count())})
        for name in names:
            code = name.removeprefix("q_")
            value = "100" if spec.question(code).is_cohort else "yes"
            page.locator(f"input[name='{name}'][value='{value}']").check()
        if benchmark.number == 1:
            # Evidence for criterion 1.1: a link, then a PDF file.
            journey.press("Save and continue")
            journey.follow("Back to your evaluation")
            journey.follow("Benchmark 1: " + benchmark.title, within="main")
            journey.follow("Evidence for 1.1", within="main")
            page.locator("#id_link-title").fill("Careers programme on our website")
            page.locator("#id_link-url").fill("https://ashby.example/careers")
            journey.press("Add link")
            pdf = tmp_path / "careers-plan.pdf"
            pdf.write_bytes(MINIMAL_PDF)
            page.locator("#id_file-file").set_input_files(str(pdf))
            page.locator("#id_file-title").fill("Careers plan 2025 to 2026")
            journey.press("Upload file")
            expect(page.get_by_role("main")).to_contain_text("Careers plan 2025 to 2026")
            journey.follow("Back to benchmark 1")
            journey.follow("Back to your evaluation")
            journey.follow("Benchmark 2: " + spec.benchmark(2).title, within="main")
            continue
        journey.press("Save and continue" if benchmark.number < 8 else "Save and return to the task list")

    assert set(Evidence.objects.filter(evaluation=evaluation).values_list("kind", flat=True)) == {"link", "file"}
    journey.press("Check and submit")
    expect(page.get_by_role("main")).to_contain_text("fully achieves 8 of 8")
    journey.press("Submit evaluation")
    journey.heading().to_have_text("Self-evaluation results")
    evaluation.refresh_from_db()
    assert evaluation.status == EvaluationStatus.SUBMITTED
    assert evaluation.benchmarks_fully_achieved == 8
    expect(page.get_by_role("main").get_by_role("img").first).to_be_visible()  # the chart, beside its table
    expect(page.get_by_role("main").get_by_role("table").first).to_be_visible()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the report (PDF)").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    assert Path(download.path()).read_bytes().startswith(b"%PDF")
