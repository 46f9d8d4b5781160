"""The problems pages: list with filters, board, detail with htmx steps and evidence, the form, files."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from linli.problems import actions
from linli.problems.models import Evidence, Problem
from linli.problems.tests.factories import PNG, fake_jpeg, make_problem, png_upload

pytestmark = pytest.mark.django_db

S = Problem.State
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def english_pages(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def test_the_list_shows_problems_in_scope_with_overdue_marked(tree, login, lianyang2_secretary, resident_unit,
                                                              ph1_unit):
    make_problem(tree.lianyang2, resident_unit, title="软管老化", deadline=timezone.localdate() - datetime.timedelta(1))
    make_problem(tree.peihua1, ph1_unit, title="培花的问题")

    page = login(lianyang2_secretary).get(reverse("problems:list")).content.decode()

    assert "软管老化" in page and "培花的问题" not in page
    assert 'data-testid="overdue"' in page


def test_the_list_filters_in_place(tree, login, huamu_staff, resident_unit, ph1_unit):
    make_problem(tree.lianyang2, resident_unit, title="联洋的问题")
    make_problem(tree.peihua1, ph1_unit, title="培花的问题")
    response = login(huamu_staff).get(reverse("problems:list"), {"area": tree.peihua.code},
                                      HTTP_HX_TARGET="problems-results", **HTMX)
    page = response.content.decode()
    assert "培花的问题" in page and "联洋的问题" not in page and "<html" not in page


def test_the_list_takes_the_same_number_of_queries_for_one_problem_or_many(tree, login, huamu_staff, resident_unit):
    client = login(huamu_staff)
    make_problem(tree.lianyang2, resident_unit)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("problems:list"))
    for _ in range(10):
        make_problem(tree.lianyang2, resident_unit)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("problems:list"))
    assert len(many) == len(one)


def test_the_board_page_shows_the_summary_and_is_constant_in_queries(tree, login, huamu_staff, resident_unit,
                                                                     ph1_unit):
    client = login(huamu_staff)
    make_problem(tree.lianyang2, resident_unit, S.VERIFIED, evidence=True)
    with CaptureQueriesContext(connection) as one:
        response = client.get(reverse("problems:board"), {"by": "organization"})
    assert "1 problems, 1 fixed, 0 long-term, 0 overdue." in response.content.decode()
    for _ in range(5):
        make_problem(tree.peihua1, ph1_unit)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("problems:board"), {"by": "organization"})
    assert len(many) == len(one)
    page = response.content.decode()
    assert "培花小吃店" in page and "联洋物业" in page


def test_an_out_of_scope_problem_is_404_for_reading_steps_and_files(tree, login, peihua1_secretary, resident_unit):
    problem = make_problem(tree.lianyang2, resident_unit, S.RECTIFIED)
    evidence = actions.add_evidence(actor=None, problem=problem, file=png_upload())
    client = login(peihua1_secretary)
    assert client.get(problem.get_absolute_url()).status_code == 404
    assert client.post(reverse("problems:step", args=[problem.pk, "verify"])).status_code == 404
    assert client.get(reverse("problems:evidence_file", args=[evidence.pk])).status_code == 404
    assert Problem.objects.get(pk=problem.pk).state == S.RECTIFIED


def test_the_detail_offers_each_user_only_their_steps(tree, login, lianyang2_secretary, org_liaison, resident_unit):
    problem = make_problem(tree.lianyang2, resident_unit, S.RECTIFIED, evidence=True)
    verifier = login(lianyang2_secretary).get(problem.get_absolute_url()).content.decode()
    assert 'data-step="verify"' in verifier and 'data-step="reopen"' in verifier
    owner = login(org_liaison).get(problem.get_absolute_url()).content.decode()
    assert 'data-step="verify"' not in owner
    assert "已更换燃气软管" in owner


def test_a_step_with_htmx_answers_with_the_panel(tree, login, lianyang2_secretary, resident_unit):
    problem = make_problem(tree.lianyang2, resident_unit, S.RECTIFIED, evidence=True)
    response = login(lianyang2_secretary).post(reverse("problems:step", args=[problem.pk, "verify"]),
                                               {"verify-note": "现场核查"}, **HTMX)
    page = response.content.decode()
    assert response.status_code == 200 and "<html" not in page
    assert "Verified (closed)" in page
    assert Problem.objects.get(pk=problem.pk).state == S.VERIFIED


def test_verifying_without_evidence_shows_why(tree, login, lianyang2_secretary, resident_unit):
    problem = make_problem(tree.lianyang2, resident_unit, S.RECTIFIED)
    response = login(lianyang2_secretary).post(reverse("problems:step", args=[problem.pk, "verify"]), {}, **HTMX)
    assert "only with evidence" in response.content.decode()
    assert Problem.objects.get(pk=problem.pk).state == S.RECTIFIED


def test_evidence_is_uploaded_and_served_to_those_in_scope(tree, login, org_liaison, resident_unit):
    problem = make_problem(tree.lianyang2, resident_unit, S.RECTIFYING)
    client = login(org_liaison)
    response = client.post(reverse("problems:add_evidence", args=[problem.pk]),
                           {"evidence-note": "整改后照片", "evidence-file": png_upload("after.png")}, **HTMX)
    assert "after.png" in response.content.decode()
    evidence = Evidence.objects.get(problem=problem)
    served = client.get(reverse("problems:evidence_file", args=[evidence.pk]))
    assert served["Content-Type"] == "image/png"
    assert b"".join(served.streaming_content) == PNG


def test_a_bad_upload_is_refused_on_the_page(tree, login, org_liaison, resident_unit):
    problem = make_problem(tree.lianyang2, resident_unit, S.RECTIFYING)
    response = login(org_liaison).post(reverse("problems:add_evidence", args=[problem.pk]),
                                       {"evidence-file": fake_jpeg()}, **HTMX)
    assert "is not a JPEG" in response.content.decode()
    assert not Evidence.objects.exists()


def test_recording_a_problem_through_the_form(tree, login, lianyang2_secretary, resident_unit):
    client = login(lianyang2_secretary)
    form = {"title": "主题党日形式单一", "source": "self_examination", "kind": "deadline",
            "area": tree.lianyang2.pk, "owner": resident_unit.pk, "found_on": timezone.localdate().isoformat(),
            "deadline": (timezone.localdate() - datetime.timedelta(days=3)).isoformat()}
    refused = client.post(reverse("problems:new"), {**form, "found_on": "2020-01-01"})
    assert "has already passed" in refused.content.decode()
    assert not Problem.objects.exists()
    form["deadline"] = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    response = client.post(reverse("problems:new"), form)
    problem = Problem.objects.get()
    assert response.status_code == 302 and response["Location"] == problem.get_absolute_url()
