"""One sink per object type, by API domain; `registry.sink_class_for` picks the class.

`base` holds the plumbing every sink shares; `contacts` (with tags, lists, field values and
audience streams), `accounts`, `deals` (with notes), `ecommerce`, `custom_objects` and
`reference` (streams learnt or ignored, never written) hold one domain each.
"""
