from django.contrib import admin

from kooperation.models import Body, ContactPerson, Cooperation, CooperationStep, Partner
from sozialraum.admin import AdministrationOnly, LabelledTabularInline, MasterDataAdmin


class ContactPersonInline(AdministrationOnly, LabelledTabularInline):
    model = ContactPerson
    extra = 0


@admin.register(Partner)
class PartnerAdmin(MasterDataAdmin):
    list_display = ["name", "kind", "school_type", "municipality", "is_active"]
    list_filter = ["kind", "school_type", "is_active", "municipality"]
    search_fields = ["name", "address", "email"]
    list_select_related = ["municipality"]
    inlines = [ContactPersonInline]
    readonly_fields = ["version", "created_at", "created_by", "updated_at", "updated_by"]


class CooperationStepInline(AdministrationOnly, LabelledTabularInline):
    model = CooperationStep
    extra = 0
    readonly_fields = ["recorded_by", "recorded_at"]


@admin.register(Cooperation)
class CooperationAdmin(MasterDataAdmin):
    list_display = ["partner", "status", "since", "responsible", "next_step_due"]
    list_filter = ["status"]
    search_fields = ["partner__name", "next_step"]
    list_select_related = ["partner", "responsible"]
    # Users have no admin (roles change on the users-and-roles pages): "responsible" is a
    # plain select, as autocompletion needs a registered user admin.
    autocomplete_fields = ["partner"]
    inlines = [CooperationStepInline]
    readonly_fields = ["version", "created_at", "created_by", "updated_at", "updated_by"]


@admin.register(Body)
class BodyAdmin(MasterDataAdmin):
    list_display = ["name", "kind", "municipality", "team", "rhythm", "is_active"]
    list_filter = ["kind", "is_active", "team"]
    search_fields = ["name"]
    list_select_related = ["municipality", "team"]
    autocomplete_fields = ["municipality", "team", "convener"]
    readonly_fields = ["version", "created_at", "created_by", "updated_at", "updated_by"]
