-- One name per event: the audit log names a canary's trip as webhooks always have.
UPDATE audit_events SET action = 'canary.triggered' WHERE action = 'token.canary_triggered';
