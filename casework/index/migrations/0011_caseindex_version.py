from django.db import migrations

FORWARD = """
CREATE SEQUENCE IF NOT EXISTS public.caseindex_version_seq;
CREATE OR REPLACE FUNCTION public.caseindex_version_bump() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM nextval('public.caseindex_version_seq');
    RETURN NULL;
END;
$$;
DROP TRIGGER IF EXISTS caseindex_version_bump ON public.caseindex_caseindex;
CREATE TRIGGER caseindex_version_bump
    AFTER INSERT OR UPDATE OR DELETE ON public.caseindex_caseindex
    FOR EACH STATEMENT EXECUTE FUNCTION public.caseindex_version_bump();
DROP TRIGGER IF EXISTS caseindex_version_bump_truncate ON public.caseindex_caseindex;
CREATE TRIGGER caseindex_version_bump_truncate
    AFTER TRUNCATE ON public.caseindex_caseindex
    FOR EACH STATEMENT EXECUTE FUNCTION public.caseindex_version_bump();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS caseindex_version_bump ON public.caseindex_caseindex;
DROP TRIGGER IF EXISTS caseindex_version_bump_truncate ON public.caseindex_caseindex;
DROP FUNCTION IF EXISTS public.caseindex_version_bump();
DROP SEQUENCE IF EXISTS public.caseindex_version_seq;
"""


class Migration(migrations.Migration):
    """A version of the case index that moves with every statement that writes it.

    The coordinator queue keeps its filter counts under this version
    (casework.triage.selectors.queue_counts), so counts are recomputed after any
    change to the index, whoever made it (the ORM, a bulk update, raw SQL).
    """

    dependencies = [("caseindex", "0010_case_status_decided")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
