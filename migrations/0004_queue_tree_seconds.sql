-- The queue trees count one-second buckets of registration time instead of hours (2^32 buckets
-- from 2000-01-01): the count inside a bucket stays small under heavy registration. Every tree is
-- rebuilt from the queued applications; the bucket arithmetic is `server::store::queue_tree`.
DELETE FROM queue_tree;

WITH RECURSIVE
    buckets(cohort_id, scope, node, queued) AS (
        SELECT cohort_id, 0,
               MIN(MAX((registered_us - 946684800000000) / 1000000 + 1, 1), 4294967296),
               COUNT(*)
        FROM applications WHERE queued = 1 GROUP BY 1, 3
        UNION ALL
        SELECT cohort_id, queue_class,
               MIN(MAX((registered_us - 946684800000000) / 1000000 + 1, 1), 4294967296),
               COUNT(*)
        FROM applications WHERE queued = 1 AND queue_class <> 0 GROUP BY 1, 2, 3
    ),
    path(cohort_id, scope, node, queued) AS (
        SELECT cohort_id, scope, node, queued FROM buckets
        UNION ALL
        SELECT cohort_id, scope, node + (node & -node), queued FROM path
        WHERE node + (node & -node) <= 4294967296
    )
INSERT INTO queue_tree (cohort_id, scope, node, queued)
SELECT cohort_id, scope, node, SUM(queued) FROM path GROUP BY cohort_id, scope, node;
