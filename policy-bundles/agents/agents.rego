# Agents: apps built by an agent or an AI assistant declare what built them and what it may
# do (the seed articles: "agent-built apps: tools, MCP servers, model provider, human in the
# loop, provenance"). The declaration (spec.agent) is part of the manifest, so it is in every
# decision's input digest: the provenance of the app. Parameters: data.microgov.agents.
#
# Facts: input.app.spec.builtBy, .environment, .agent as declared; input.findings.regulated
# (the app holds regulated personal data); data.microgov.governance.regulated_categories.
package microgov.agents

import rego.v1

# Each member by its path, so the engine builds only these members of input.app.spec.
built_by := input.app.spec.builtBy

environment := input.app.spec.environment

# Absent members read as {} or [] (defaults and object.get: regorus 0.14.1's compiled VM
# gets `not` over a path through an absent object wrong).
default agent := {}

agent := input.app.spec.agent

declared if is_object(input.app.spec.agent)

must_declare if {
	built_by in data.microgov.agents.declaration_required
	not environment in data.microgov.agents.exempt_environments
}

# METADATA
# title: Agent not declared
# description: >-
#   An app built by an agent or an AI assistant, outside the exempt environments, does not
#   declare the agent (spec.agent: model, tools, MCP servers, prompt data, human in the loop).
# custom:
#   severity: high
#   remediation: Declare spec.agent with the model, the tools and MCP servers it uses, the data categories in its prompts and whether a human approves its actions.
violation contains v if {
	must_declare
	not declared
	v := {
		"rule": "agent_undeclared",
		"message": sprintf("an app built by %s in %s does not declare its agent", [built_by, environment]),
		"path": "/spec/builtBy",
	}
}

# The provider of `provider/model` (the whole string without a slash).
provider := split(agent.model, "/")[0]

# METADATA
# title: Model provider not allowed
# description: The agent's model provider is not in data.microgov.agents.allowed_providers.
# custom:
#   severity: high
#   remediation: Use a model from an approved provider, or have the provider approved.
violation contains v if {
	is_string(agent.model)
	not provider in data.microgov.agents.allowed_providers
	v := {
		"rule": "model_provider_not_allowed",
		"message": sprintf("model provider %s is not allowed", [provider]),
		"path": "/spec/agent/model",
	}
}

# METADATA
# title: Tool not allowed
# description: The agent uses a tool that is not in data.microgov.agents.allowed_tools.
# custom:
#   severity: high
#   remediation: Remove the tool, or have it added to the allowed tools.
violation contains v if {
	some i, tool in object.get(agent, "tools", [])
	not tool in data.microgov.agents.allowed_tools
	v := {
		"rule": "tool_not_allowed",
		"message": sprintf("agent tool %s is not allowed", [tool]),
		"path": sprintf("/spec/agent/tools/%d", [i]),
	}
}

# The host of an https:// URL (null for anything else).
https_host(url) := host if {
	startswith(url, "https://")
	host := lower(split(split(trim_prefix(url, "https://"), "/")[0], ":")[0])
} else := null

allowed_host(host) if host in data.microgov.agents.allowed_mcp_hosts

allowed_host(host) if {
	some allowed in data.microgov.agents.allowed_mcp_hosts
	endswith(host, concat("", [".", allowed]))
}

# METADATA
# title: MCP server not allowed
# description: >-
#   The agent connects to an MCP server that is not an https URL on a host of
#   data.microgov.agents.allowed_mcp_hosts (or under one).
# custom:
#   severity: high
#   remediation: Use the platform's MCP servers, or have this one reviewed and allowed.
violation contains v if {
	some i, server in object.get(agent, "mcpServers", [])
	host := https_host(server)
	not allowed_host(host)
	v := {
		"rule": "mcp_server_not_allowed",
		"message": sprintf("MCP server %s is not allowed", [server]),
		"path": sprintf("/spec/agent/mcpServers/%d", [i]),
	}
}

prompts_regulated if {
	some c in object.get(agent, "promptCategories", [])
	c in data.microgov.governance.regulated_categories
}

handles_regulated if input.findings.regulated

handles_regulated if prompts_regulated

# METADATA
# title: Human in the loop required
# description: >-
#   An agent works on regulated personal data (the app holds it, or its prompts carry it)
#   without a human approving its actions (spec.agent.humanInTheLoop).
# custom:
#   severity: high
#   remediation: Have a person approve the agent's actions (set humanInTheLoop once they do), or keep regulated data out of its reach.
violation contains v if {
	declared
	handles_regulated
	object.get(agent, "humanInTheLoop", false) != true
	v := {
		"rule": "human_in_the_loop_required",
		"message": "an agent works on regulated personal data without a human in the loop",
		"path": "/spec/agent",
	}
}
