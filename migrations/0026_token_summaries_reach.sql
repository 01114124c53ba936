-- A token's summary tells what of it its owner can still use: the owner's account state,
-- role and permissions (the console strikes through the scopes they no longer allow).
CREATE OR REPLACE VIEW token_summaries AS
SELECT t.id AS row_id, t.public_id, t.name, t.description, t.scopes, t.created_at,
       t.expires_at, t.last_used_at, t.revoked_at, t.allowed_ips, t.replaced_at,
       t.canary, t.canary_triggered_at, t.leaked_at,
       CASE WHEN t.revoked_at IS NOT NULL THEN 'revoked'
            WHEN t.expires_at <= now() AND t.replaced_by IS NOT NULL THEN 'replaced'
            WHEN t.expires_at IS NOT NULL AND t.expires_at <= now() THEN 'expired'
            WHEN t.replaced_by IS NOT NULL THEN 'rolling'
            ELSE 'active' END AS status,
       (SELECT n.public_id FROM api_tokens n WHERE n.id = t.replaced_by) AS replaced_by,
       (SELECT o.public_id FROM api_tokens o WHERE o.replaced_by = t.id LIMIT 1) AS replaces,
       CASE WHEN t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())
                 AND t.created_at <= now() - make_interval(days => 30)
            THEN ARRAY(SELECT x.s FROM unnest(t.scopes) WITH ORDINALITY AS x(s, i)
                       WHERE NOT EXISTS (SELECT 1 FROM token_scope_use u
                                         WHERE u.token_id = t.id AND u.scope = x.s
                                           AND u.last_used > now() - make_interval(days => 30))
                       ORDER BY x.i)
            ELSE '{}'::text[] END AS unused_scopes,
       u.id AS owner_id, u.display_name AS owner_name, u.email AS owner_email,
       u.kind AS owner_kind, t.created_by,
       (SELECT COALESCE(sum(d.requests), 0)::bigint FROM token_usage_daily d
        WHERE d.token_id = t.id AND d.day > current_date - 30) AS requests_30d,
       u.active AS owner_active, r.name AS owner_role, r.permissions AS owner_permissions
FROM api_tokens t JOIN users u ON u.id = t.owner_id JOIN roles r ON r.id = u.role_id;
