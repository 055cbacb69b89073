import io

from django.core.management import call_command
from django.db.models import Sum

from teams.models import Activity, ActivitySummary
from teams.summary import rebuild_activity_summary


def generate(count, seed):
    out = io.StringIO()
    call_command("generate_activities", count=count, seed=seed, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def fingerprint():
    return list(
        Activity.objects.order_by("pk").values_list(
            "date", "team_id", "municipality_id", "kind", "status", "children"
        )
    )


def test_generate_is_deterministic_for_a_seed(district, demo_users):
    generate(300, seed=7)
    first = fingerprint()
    Activity.objects.all().delete()

    output = generate(300, seed=7)

    assert fingerprint() == first
    assert "300 activities created (seed 7)." in output


def test_generated_activities_are_in_the_summary(district, demo_users):
    generate(500, seed=3)

    summed = ActivitySummary.objects.aggregate(n=Sum("activities"), children=Sum("children"))
    direct = Activity.objects.aggregate(children=Sum("children"))

    assert summed == {"n": 500, "children": direct["children"]}
    assert not Activity.objects.filter(status="cancelled").exclude(children=0).exists()


def test_rebuild_gives_the_running_sums_of_the_triggers(district, demo_users):
    generate(200, seed=5)
    activity = Activity.objects.filter(status="held").first()
    activity.children += 4
    activity.save()
    before = list(
        ActivitySummary.objects.order_by(
            "date", "team", "municipality", "kind", "status"
        ).values_list("date", "kind", "status", "activities", "children")
    )

    rebuild_activity_summary()

    after = list(
        ActivitySummary.objects.order_by(
            "date", "team", "municipality", "kind", "status"
        ).values_list("date", "kind", "status", "activities", "children")
    )
    assert after == [row for row in before if row[3] != 0]
