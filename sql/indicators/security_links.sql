-- indicators.security_links: one row per entity (country, bloc or world), technology approach, year and channel (co-authored works, co-invented patent families, grant consortia) with at least one international record: how many of the entity's international records name a country of the concern set other than its own, the share with its Wilson interval, and the change of the share over five years
with settings as (
    select
        (select value from ref.synthesis_settings where key = 'concern_set') as concern_set,
        (select value::double from ref.methods where key = 'share_interval_z') as z
),

shares as (
    select
        counts.*,
        counts.international_records::double as n,
        counts.with_concern / counts.international_records::double as share
    from indicators.security_counts as counts
),

intervals as (
    -- Wilson score interval of the share p = x / n (x = with_concern, n = international
    -- records) at z = meta.methods share_interval_z:
    --   centre     = (p + z^2 / (2n)) / (1 + z^2 / n)
    --   half_width = z / (1 + z^2 / n) * sqrt(p (1 - p) / n + z^2 / (4 n^2))
    --   low, high  = centre - half_width, centre + half_width
    select
        shares.*,
        (shares.share + settings.z ^ 2 / (2 * shares.n)) / (1 + settings.z ^ 2 / shares.n)
            as centre,
        settings.z / (1 + settings.z ^ 2 / shares.n)
            * sqrt(
                shares.share * (1 - shares.share) / shares.n
                + settings.z ^ 2 / (4 * shares.n ^ 2)
            ) as half_width
    from shares
    cross join settings
)

select
    current_.entity_type,
    current_.entity_code,
    current_.approach,
    current_.year,
    current_.channel,
    settings.concern_set,
    current_.records,
    current_.international_records,
    current_.with_concern,
    current_.share,
    -- the Wilson interval holds the share and lies within [0, 1]: the clamps only undo
    -- rounding (at a share of 0 or 1 one end is the share itself)
    least(greatest(current_.centre - current_.half_width, 0.0), current_.share) as share_low,
    greatest(least(current_.centre + current_.half_width, 1.0), current_.share) as share_high,
    current_.share - earlier.share as share_5y_change
from intervals as current_
cross join settings
left join intervals as earlier
    on earlier.entity_type = current_.entity_type
    and earlier.entity_code = current_.entity_code
    and earlier.approach = current_.approach
    and earlier.channel = current_.channel
    and earlier.year = current_.year - 5
