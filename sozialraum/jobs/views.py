"""The job page (Aufträge) and the download of a result file."""

from django.conf import settings
from django.http import Http404, HttpResponse
from django.urls import path
from django.utils.http import content_disposition_header
from django.views.generic import ListView

from sozialraum.jobs.selectors import LIST_LIMIT, job_result_of, jobs_of


class JobListView(ListView):
    """The signed-in user's jobs. While one is queued or running, the table reloads itself
    every two seconds (htmx); an htmx request gets the table alone."""

    context_object_name = "jobs"

    def get_queryset(self):
        return jobs_of(self.request.user)[:LIST_LIMIT]

    def get_template_names(self):
        if self.request.headers.get("HX-Request") == "true":
            return ["sozialraum/jobs/_job_table.html"]
        return ["sozialraum/jobs/job_list.html"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["any_active"] = any(job.is_active for job in context["jobs"])
        context["job_result_hours"] = settings.JOB_RESULT_HOURS
        return context


def job_download(request, pk):
    job = job_result_of(request.user, pk).first()
    if job is None:
        raise Http404
    response = HttpResponse(bytes(job.result), content_type=job.result_content_type)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=job.result_filename
    )
    response["Cache-Control"] = "no-store"
    return response


urlpatterns = [
    path("auftraege/", JobListView.as_view(), name="job_list"),
    path("auftraege/<uuid:pk>/datei/", job_download, name="job_download"),
]
