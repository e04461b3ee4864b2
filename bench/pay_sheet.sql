-- The whole pay sheet of :month per technician in one hand-written PostgreSQL statement, with
-- SPEC's default tariff written in (bench/pay_sheet.py's baseline). Money in fen; the score in
-- hundredths of a point. Area coefficients are all 1.0 in the benchmark's tariff.
WITH
prices (product, stars, fen) AS (VALUES
  ('broadband', 5, 4000), ('broadband', 4, 3500), ('broadband', 3, 3000), ('broadband', 2, 2000),
  ('broadband', 1, 1000), ('iptv', 5, 2000), ('iptv', 4, 1500), ('iptv', 3, 1000), ('iptv', 2, 500),
  ('iptv', 1, 500), ('iptv_bundled', 5, 1500), ('iptv_bundled', 4, 1000), ('iptv_bundled', 3, 500),
  ('iptv_bundled', 2, 300), ('iptv_bundled', 1, 300), ('landline', 5, 1000), ('landline', 4, 800),
  ('landline', 3, 500), ('landline', 2, 300), ('landline', 1, 300)),
maintenance_prices (product, fen) AS (VALUES
  ('broadband', 1500), ('iptv', 800), ('iptv_bundled', 800), ('landline', 600), ('campus', 1000)),
month_orders AS (
  SELECT id, technician_id, order_type, product, created_at, due_at, completed_at, fault_cause
  FROM work_orders
  WHERE status = 'completed' AND completed_at >= :start AND completed_at < :end),
deciding AS (
  SELECT DISTINCT ON (c.order_id) c.order_id, c.result
  FROM callback_results c
  WHERE c.order_id IN (SELECT id FROM month_orders)
  ORDER BY c.order_id, CASE c.channel WHEN 'manual' THEN 2 ELSE 1 END DESC, c.called_at DESC,
           c.result DESC),
fraud AS (
  SELECT technician_id, (array_agg(fine ORDER BY created_at, id))[1] AS fine
  FROM fraud_offences WHERE month = :month AND revoked_at IS NULL GROUP BY technician_id),
closures AS (
  SELECT order_id, coalesce(amount_fen, 10000) AS fen
  FROM penalties WHERE kind = 'false_closure' AND order_id IN (SELECT id FROM month_orders)),
urged AS (
  SELECT order_id,
         max(CASE WHEN cause = 'overdue' AND NOT appointment_recorded THEN 3000
                  WHEN cause IN ('procedure', 'overdue') THEN 2000 ELSE 0 END) AS fen,
         bool_or(cause <> 'excused') AS counts
  FROM urges WHERE order_id IN (SELECT id FROM month_orders) GROUP BY order_id),
per_order AS (
  SELECT o.technician_id, o.order_type, o.product,
         CASE WHEN r.id IS NOT NULL THEN r.stars WHEN d.result = 'dissatisfied' THEN 1
              ELSE 3 END AS stars,
         cl.order_id IS NOT NULL AS closed, coalesce(cl.fen, 0) AS closure_fen,
         coalesce(u.fen, 0) AS urge_fen, coalesce(u.counts, false) AS urged,
         CASE WHEN o.order_type = 'repair' AND coalesce(o.fault_cause, '') NOT IN ('olt', 'cable')
                   AND o.completed_at - coalesce(o.due_at, o.created_at + interval '24 hours')
                       >= interval '24 hours'
              THEN 2000 * floor(extract(epoch FROM o.completed_at
                                        - coalesce(o.due_at, o.created_at + interval '24 hours'))
                                / 86400)::bigint
              ELSE 0 END AS overdue_fen,
         f.technician_id IS NULL AS eligible
  FROM month_orders o
  LEFT JOIN ratings r ON r.order_id = o.id AND r.voided_at IS NULL
  LEFT JOIN deciding d ON d.order_id = o.id
  LEFT JOIN closures cl ON cl.order_id = o.id
  LEFT JOIN urged u ON u.order_id = o.id
  LEFT JOIN fraud f ON f.technician_id = o.technician_id),
priced AS (
  SELECT p.*,
         CASE WHEN p.order_type NOT IN ('install', 'move') OR p.closed THEN 0
              WHEN p.product = 'campus' THEN 4000
              ELSE pr.fen END AS install_fen
  FROM per_order p
  LEFT JOIN prices pr ON pr.product = p.product
                     AND pr.stars = CASE WHEN p.eligible THEN p.stars ELSE 1 END),
tech_orders AS (
  SELECT technician_id, count(*) AS orders,
         sum(CASE WHEN product <> 'campus' THEN 1 ELSE 0 END) AS rated,
         sum(CASE WHEN product <> 'campus' AND stars >= 4 THEN 1 ELSE 0 END) AS satisfied,
         sum(CASE WHEN order_type = 'repair' THEN 1 ELSE 0 END) AS repairs,
         sum(CASE WHEN order_type = 'repair' AND urged THEN 1 ELSE 0 END) AS urged,
         sum(install_fen) AS install_fen, sum(overdue_fen) AS overdue_fen,
         sum(urge_fen) AS urge_fen, sum(closure_fen) AS closure_fen
  FROM priced GROUP BY technician_id),
items AS (
  SELECT technician_id, sum(points_centi) AS centi
  FROM assessment_items WHERE month = :month GROUP BY technician_id),
score AS (
  SELECT t.id AS technician_id,
         greatest(0, least(12000, 10000
           - CASE WHEN o.rated > 0 AND 100 * o.satisfied < 90 * o.rated
                  THEN 100 * ((90 * o.rated - 100 * o.satisfied) / o.rated) ELSE 0 END
           - CASE WHEN o.repairs > 0 AND 100 * o.urged > 5 * o.repairs
                  THEN 100 * ((100 * o.urged - 5 * o.repairs) / o.repairs) ELSE 0 END
           + coalesce(i.centi, 0))) AS centi
  FROM technicians t
  LEFT JOIN tech_orders o ON o.technician_id = t.id
  LEFT JOIN items i ON i.technician_id = t.id),
maintenance AS (
  SELECT p.technician_id,
         sum(CASE WHEN p.closed THEN 0 ELSE (mp.fen * s.centi + 5000) / 10000 END) AS fen
  FROM per_order p
  JOIN score s ON s.technician_id = p.technician_id
  JOIN maintenance_prices mp ON mp.product = p.product
  WHERE p.order_type = 'repair' GROUP BY p.technician_id),
fines AS (
  SELECT technician_id,
         sum(CASE WHEN kind = 'complaint' THEN amount_fen ELSE 0 END) AS complaint,
         sum(CASE WHEN kind = 'other' THEN amount_fen ELSE 0 END) AS other
  FROM penalties
  WHERE kind IN ('complaint', 'other') AND occurred_at >= :start AND occurred_at < :end
  GROUP BY technician_id),
commission AS (
  SELECT technician_id, sum(amount_fen) AS fen
  FROM commissions WHERE month = :month GROUP BY technician_id),
-- the previous quarter's grade: star-rated orders, effective stars, forced distribution
q_orders AS (
  SELECT id, technician_id FROM work_orders
  WHERE status = 'completed' AND completed_at >= :q_start AND completed_at < :q_end
    AND product <> 'campus'),
q_deciding AS (
  SELECT DISTINCT ON (c.order_id) c.order_id, c.result
  FROM callback_results c
  WHERE c.order_id IN (SELECT id FROM q_orders)
  ORDER BY c.order_id, CASE c.channel WHEN 'manual' THEN 2 ELSE 1 END DESC, c.called_at DESC,
           c.result DESC),
q_sums AS (
  SELECT o.technician_id, count(*) AS n,
         sum(CASE WHEN r.id IS NOT NULL THEN r.stars WHEN d.result = 'dissatisfied' THEN 1
                  ELSE 3 END) AS total
  FROM q_orders o
  LEFT JOIN ratings r ON r.order_id = o.id AND r.voided_at IS NULL
  LEFT JOIN q_deciding d ON d.order_id = o.id
  GROUP BY o.technician_id),
q_excluded AS (
  SELECT technician_id FROM fraud_offences WHERE month = ANY(:q_months) AND revoked_at IS NULL
  UNION
  SELECT technician_id FROM complaints
  WHERE justified AND complained_at >= :q_start AND complained_at < :q_end),
q_ranked AS (
  SELECT s.technician_id,
         row_number() OVER (ORDER BY s.total::numeric / s.n DESC, s.n DESC, t.employee_no) AS rank,
         count(*) OVER () AS ranked
  FROM q_sums s JOIN technicians t ON t.id = s.technician_id
  WHERE s.technician_id NOT IN (SELECT technician_id FROM q_excluded)),
bonus AS (
  SELECT technician_id,
         CASE WHEN rank <= floor(ranked * 0.1 + 0.5) THEN 50000
              WHEN rank <= floor(ranked * 0.2 + 0.5) THEN 30000
              WHEN rank <= floor(ranked * 0.5 + 0.5) THEN 20000
              ELSE 0 END AS fen
  FROM q_ranked),
sheet AS (
  SELECT t.employee_no, coalesce(o.orders, 0) AS orders,
         coalesce(o.install_fen, 0) AS install_pay_fen,
         coalesce(m.fen, 0) AS maintenance_pay_fen,
         coalesce(c.fen, 0) AS commissions_fen,
         coalesce(b.fen, 0) AS quarterly_bonus_fen,
         coalesce(o.overdue_fen, 0) AS penalty_overdue,
         coalesce(o.urge_fen, 0) AS penalty_urge,
         coalesce(o.closure_fen, 0) AS penalty_false_closure,
         coalesce(f.fine, 0) * 100 AS penalty_fraud,
         coalesce(fi.complaint, 0) AS penalty_complaint,
         coalesce(fi.other, 0) AS penalty_other,
         s.centi AS score_centi
  FROM technicians t
  JOIN score s ON s.technician_id = t.id
  LEFT JOIN tech_orders o ON o.technician_id = t.id
  LEFT JOIN maintenance m ON m.technician_id = t.id
  LEFT JOIN commission c ON c.technician_id = t.id
  LEFT JOIN bonus b ON b.technician_id = t.id
  LEFT JOIN fraud f ON f.technician_id = t.id
  LEFT JOIN fines fi ON fi.technician_id = t.id)
SELECT *,
       install_pay_fen + maintenance_pay_fen + commissions_fen + quarterly_bonus_fen
         - penalty_overdue - penalty_urge - penalty_false_closure - penalty_fraud
         - penalty_complaint - penalty_other AS total_pay_fen,
       (install_pay_fen <> 0 OR maintenance_pay_fen <> 0 OR commissions_fen <> 0
        OR quarterly_bonus_fen <> 0 OR penalty_overdue <> 0 OR penalty_urge <> 0
        OR penalty_false_closure <> 0 OR penalty_fraud <> 0 OR penalty_complaint <> 0
        OR penalty_other <> 0) AS any_money
FROM sheet
