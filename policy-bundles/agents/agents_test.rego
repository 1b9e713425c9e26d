package microgov.agents_test

import rego.v1

import data.microgov.agents

good := {
	"model": "azure-openai/gpt-4o",
	"tools": ["sql-read", "ticket-create"],
	"mcpServers": ["https://mcp.internal.acme.example/github"],
	"promptCategories": [],
	"humanInTheLoop": false,
}

doc(built_by, env, agent, regulated) := {
	"app": {"spec": object.union({"builtBy": built_by, "environment": env}, agent)},
	"findings": {"regulated": regulated},
}

rules(d) := {v.rule | some v in agents.violation with input as d}

test_a_declared_agent_within_the_allow_lists_passes if {
	rules(doc("agent", "production", {"agent": good}, false)) == set()
}

test_an_agent_or_assistant_must_declare_itself_outside_sandbox if {
	rules(doc("agent", "production", {}, false)) == {"agent_undeclared"}
	rules(doc("ai-assistant", "staging", {}, false)) == {"agent_undeclared"}
	rules(doc("agent", "sandbox", {}, false)) == set()
	rules(doc("human", "production", {}, false)) == set()
}

test_providers_tools_and_mcp_servers_come_from_the_allow_lists if {
	bad := object.union(good, {
		"model": "randomllm/x1",
		"tools": ["sql-read", "shell-exec"],
		"mcpServers": ["https://mcp.tools.example/sse", "http://mcp.internal.acme.example/x", "https://eu.mcp.internal.acme.example/y"],
	})
	r := {[v.rule, v.path] | some v in agents.violation with input as doc("agent", "production", {"agent": bad}, false)}
	r == {
		["model_provider_not_allowed", "/spec/agent/model"],
		["tool_not_allowed", "/spec/agent/tools/1"],
		["mcp_server_not_allowed", "/spec/agent/mcpServers/0"],
		["mcp_server_not_allowed", "/spec/agent/mcpServers/1"],
	}
}

test_regulated_data_needs_a_human_in_the_loop if {
	rules(doc("agent", "production", {"agent": good}, true)) == {"human_in_the_loop_required"}
	in_prompts := object.union(good, {"promptCategories": ["pii"]})
	rules(doc("agent", "production", {"agent": in_prompts}, false)) == {"human_in_the_loop_required"}
	with_human := object.union(good, {"humanInTheLoop": true})
	rules(doc("agent", "production", {"agent": with_human}, true)) == set()
}
