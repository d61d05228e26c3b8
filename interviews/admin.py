"""Recruiter review in Django admin (first version: every model registered)."""

from django.contrib import admin

from interviews.models import Interview, InterviewTemplate, RubricCriterion, TemplateQuestion, Turn


class TemplateQuestionInline(admin.TabularInline):
    model = TemplateQuestion
    extra = 0


class RubricCriterionInline(admin.TabularInline):
    model = RubricCriterion
    extra = 0


@admin.register(InterviewTemplate)
class InterviewTemplateAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "role", "language", "time_limit_minutes", "version"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [TemplateQuestionInline, RubricCriterionInline]


class TurnInline(admin.TabularInline):
    model = Turn
    extra = 0
    fields = ["index", "speaker", "text", "interrupted", "transcript_ms", "first_audio_sent_ms"]
    readonly_fields = fields
    can_delete = False


@admin.register(Interview)
class InterviewAdmin(admin.ModelAdmin):
    list_display = ["candidate_name", "template", "status", "created_at", "started_at", "ended_at"]
    list_filter = ["status", "template"]
    search_fields = ["candidate_name", "candidate_email"]
    list_select_related = ["template"]
    readonly_fields = ["invite_token", "consented_at", "started_at", "ended_at", "deadline_at", "end_reason"]
    inlines = [TurnInline]


@admin.register(Turn)
class TurnAdmin(admin.ModelAdmin):
    list_display = ["interview", "index", "speaker", "interrupted", "first_audio_sent_ms"]
    list_select_related = ["interview__template"]
