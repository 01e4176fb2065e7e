-- Planner calls, and coder calls whose definition the search did not choose, belong to no experiment:
-- they are the cost of expanding a node of the tree. expanded_id names that node (an experiment id, or
-- 'root:' and the campaign id for a root expansion), so each child's share can be apportioned
-- (docs/agents.md, "What an experiment cost").
ALTER TABLE llm_call ADD COLUMN expanded_id VARCHAR(200);
CREATE INDEX llm_call_by_expansion ON llm_call (expanded_id);
