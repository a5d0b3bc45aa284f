//! `renkei_core::access::can_read` in SQL. Queries that read shared items
//! bind `$1` = viewer's user id, `$2` = organisation id, `$3` =
//! organisation's sector, each NULL when the viewer has none (no in-band
//! "nobody" value: NULL equals nothing, and the branches that need one
//! test it with `IS NOT NULL`), and alias `items` as `i` and
//! `item_versions` as `v`. The store's property test proves this clause and
//! `can_read` agree.

use renkei_core::Viewer;

/// Communities organisation `$2` is an active member of: membership not
/// ended, current terms accepted.
macro_rules! active_communities_of_org {
    ($org:literal) => {
        concat!(
            "SELECT m.community_id FROM memberships m JOIN communities c ON c.id = m.community_id ",
            "WHERE m.org_id = ",
            $org,
            " AND m.ended_at IS NULL AND EXISTS (",
            "SELECT 1 FROM membership_acceptances a WHERE a.membership_id = m.id ",
            "AND a.terms_version = c.terms_version)"
        )
    };
}
pub(crate) use active_communities_of_org;

/// The read rule as a boolean SQL expression over one marked row:
/// `$o` the row's alias, `$owner` its owner-organisation column, `$aud` the
/// `FROM … WHERE` selecting its audience rows (alias `a`), `$also` a column
/// holding one more audience community (or `NULL`), and `$empty`
/// whether its audience is empty (for GREEN).
macro_rules! readable_row {
    ($o:literal, $owner:literal, $aud:literal, $also:literal, $empty:literal) => {
        concat!(
            "(",
            $o,
            ".tlp = 'CLEAR'",
            " OR (",
            $o,
            ".tlp = 'RED' AND $1 IS NOT NULL AND (",
            $o,
            ".created_by = $1 OR EXISTS (SELECT 1 FROM ",
            $aud,
            " AND a.user_id = $1)))",
            " OR (",
            $o,
            ".tlp IN ('GREEN', 'AMBER', 'AMBER+STRICT') AND $2 IS NOT NULL AND (",
            $owner,
            " = $2",
            " OR EXISTS (SELECT 1 FROM ",
            $aud,
            " AND (",
            "a.user_id = $1 OR a.org_id = $2 OR a.sector = $3 OR a.community_id IN (",
            $crate::access::active_communities_of_org!("$2"),
            ")))",
            " OR ",
            $also,
            " IN (",
            $crate::access::active_communities_of_org!("$2"),
            ")",
            " OR (",
            $o,
            ".tlp = 'GREEN' AND ",
            $empty,
            "))))"
        )
    };
}
pub(crate) use readable_row;

/// The rule for shared items (`items i`, `item_versions v`).
macro_rules! readable {
    () => {
        $crate::access::readable_row!(
            "v",
            "i.owner_org",
            "item_audience a WHERE a.item_id = v.item_id AND a.version = v.version",
            "NULL",
            "NOT EXISTS (SELECT 1 FROM item_audience a
                         WHERE a.item_id = v.item_id AND a.version = v.version)"
        )
    };
}
pub(crate) use readable;

/// The three bind values of [`readable!`] for a viewer: NULL for what it
/// has not.
pub(crate) fn binds(v: &Viewer) -> (Option<i64>, Option<i64>, Option<String>) {
    (
        v.user.map(|u| u.0),
        v.org.map(|o| o.0),
        v.sector.as_ref().map(|s| s.as_str().to_owned()),
    )
}

/// The rule for STIX objects (`stix_objects o`). A version's audience is
/// its `stix_audience` rows plus, when `community_audience` is set, its
/// collection's community: set at write time when the sharer named no
/// audience (or named that community), so it is never empty.
macro_rules! readable_stix {
    () => {
        $crate::access::readable_row!(
            "o",
            "o.owner_org",
            "stix_audience a WHERE a.object_pk = o.pk",
            "(CASE WHEN o.community_audience = 1 THEN o.community_id END)",
            "1 = 0"
        )
    };
}
pub(crate) use readable_stix;

/// The same rule for a second alias `n` (another version of the object),
/// so "latest" and "first" count only versions the reader may read.
macro_rules! readable_stix_n {
    () => {
        $crate::access::readable_row!(
            "n",
            "n.owner_org",
            "stix_audience a WHERE a.object_pk = n.pk",
            "(CASE WHEN n.community_audience = 1 THEN n.community_id END)",
            "1 = 0"
        )
    };
}
pub(crate) use readable_stix_n;

/// [`readable_stix!`] (alias `o`) for a viewer with an organisation whose
/// communities, as resolved for the request, include the one bound as `$5`,
/// over rows of a collection of that community; `communities` lists the
/// placeholders the viewer's communities are bound to. A row whose
/// audience holds the collection's community (`community_audience`) is
/// readable unless it is RED; the others, and RED, are judged by their
/// audience rows as in the full rule, with the viewer's communities bound
/// rather than looked up. `o.community_id = $5` keeps out, rather than
/// judges, a row of any other community. It skips the full rule's
/// membership sub-queries, which PostgreSQL starts on every execution, and
/// looks at audience rows only for rows the sharer narrowed
/// (BENCHMARKS.md, "The member rule"); callers choose it with
/// [`member_of`].
pub(crate) fn readable_stix_member(o: &str, communities: &str) -> String {
    format!(
        "({o}.community_id = $5 AND ({o}.tlp = 'CLEAR' \
         OR ({o}.tlp <> 'RED' AND ({o}.community_audience = 1 OR {o}.owner_org = $2)) \
         OR ({o}.tlp = 'RED' AND {o}.created_by = $1) \
         OR EXISTS (SELECT 1 FROM stix_audience a WHERE a.object_pk = {o}.pk \
                    AND (a.user_id = $1 OR ({o}.tlp <> 'RED' AND (a.org_id = $2 \
                         OR a.sector = $3 OR a.community_id IN ({communities})))))))"
    )
}

/// Whether [`readable_stix_member`] may judge `viewer`'s reads in a
/// collection of `community`: the viewer has an organisation and is a
/// member of that community (`renkei_core::can_read_community`, the check
/// that admits it to the collection at all).
pub(crate) fn member_of(v: &Viewer, community: renkei_core::CommunityId) -> bool {
    v.org.is_some() && renkei_core::can_read_community(v, community)
}
