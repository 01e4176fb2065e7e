-- The experiment browser's look-ups, version 4. Same dialect rules as V1__store.sql. The browser only
-- reads; these indexes keep its reads cheap on a store of 100,000 experiments (docs/browser.md).

-- Live updates poll "what changed since T" per campaign every second: MAX(updated_at) and the rows
-- after T must be index look-ups, not scans of the experiment table.
CREATE INDEX experiment_by_campaign_updated ON experiment (campaign_id, updated_at);

-- The experiment page lists the LLM calls behind one experiment.
CREATE INDEX llm_call_by_experiment ON llm_call (experiment_id, created_at);
