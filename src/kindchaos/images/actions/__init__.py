"""The build's steps, one module per group, in the order ``images.build`` lists them.

Like kind's ``create/actions``, each module owns one part of the build and says how it is made: its key (the
pinned inputs), where its output goes and the step that makes it. A module needs only the modules before it.
"""
