"""Deals (CRM): pipelines, stages, tasks, custom fields, activities, notes."""

from __future__ import annotations

from tap_activecampaign import changes
from tap_activecampaign.client import ActiveCampaignStream


class DealsStream(ActiveCampaignStream):
    """Deals: server-side incremental on ``filters[updated_after]`` (matched on mdate)."""

    name = "deals"
    path = "deals"
    replication_key = "mdate"
    created_key = "cdate"
    server_filter_param = "filters[updated_after]"


class DealStagesStream(ActiveCampaignStream):
    """Stages of every pipeline."""

    name = "deal_stages"
    path = "dealStages"
    replication_key = "udate"
    created_key = "cdate"


class DealGroupsStream(ActiveCampaignStream):
    """Pipelines (the API calls them deal groups)."""

    name = "deal_groups"
    path = "dealGroups"
    replication_key = "udate"
    created_key = "cdate"


class DealTasksStream(ActiveCampaignStream):
    """Tasks on deals and contacts."""

    name = "deal_tasks"
    path = "dealTasks"
    replication_key = "udate"
    created_key = "cdate"


class DealTasktypesStream(ActiveCampaignStream):
    """Task types (Call, Email, ...)."""

    name = "deal_tasktypes"
    path = "dealTasktypes"


class TaskOutcomesStream(ActiveCampaignStream):
    """Outcomes a task can be closed with."""

    name = "task_outcomes"
    path = "taskOutcomes"
    replication_key = "udate"
    created_key = "cdate"


class TasktypeOutcomeRelsStream(ActiveCampaignStream):
    """Which outcomes apply to which task types."""

    name = "tasktype_outcome_rels"
    path = "tasktypeOutcomeRels"


class DealCustomFieldMetaStream(ActiveCampaignStream):
    """Deal custom field definitions (the endpoint may send no ``meta``)."""

    name = "deal_custom_field_meta"
    path = "dealCustomFieldMeta"
    replication_key = "updatedTimestamp"
    created_key = "createdTimestamp"


class DealCustomFieldDataStream(ActiveCampaignStream):
    """Deal custom field values (the endpoint may send no ``meta``)."""

    name = "deal_custom_field_data"
    path = "dealCustomFieldData"
    replication_key = "updatedTimestamp"
    created_key = "createdTimestamp"


class DealActivitiesStream(ActiveCampaignStream):
    """Deal history (stage moves, updates, notes); rows never change after creation."""

    name = "deal_activities"
    path = "dealActivities"
    replication_key = "cdate"
    change_mode = changes.TAIL


class DealRolesStream(ActiveCampaignStream):
    """Roles a secondary contact can have on a deal."""

    name = "deal_roles"
    path = "dealRoles"
    replication_key = "udate"
    created_key = "cdate"


class NotesStream(ActiveCampaignStream):
    """Notes on contacts, deals and accounts."""

    name = "notes"
    path = "notes"
    replication_key = "mdate"
    created_key = "cdate"


class DealGroupUsersStream(ActiveCampaignStream):
    """Users with access to each pipeline."""

    name = "deal_group_users"
    path = "dealGroupUsers"


#: This domain's streams, in discovery order (``streams.ALL`` concatenates the domains).
STREAMS: tuple[type[ActiveCampaignStream], ...] = (
    DealsStream,
    DealStagesStream,
    DealGroupsStream,
    DealTasksStream,
    DealTasktypesStream,
    TaskOutcomesStream,
    TasktypeOutcomeRelsStream,
    DealCustomFieldMetaStream,
    DealCustomFieldDataStream,
    DealActivitiesStream,
    DealRolesStream,
    NotesStream,
    DealGroupUsersStream,
)
