// llm_call and agent_plan: a chat completion from an OpenAI-compatible endpoint.
// SHERATAN_LLM_URL is the API's base (".../v1") or the full ".../chat/completions";
// SHERATAN_LLM_MODEL the model unless params.model names one; SHERATAN_LLM_KEY, when
// set, goes out as a bearer token.
// When the reply is an LCP envelope ({"lcp_version":"1","type":...}), the envelope is
// the job's result (so a chain can go on); otherwise the result is {"content": reply}.
// agent_plan asks for an envelope and refuses a reply that is not one.
#include <cstdlib>
#include <optional>

#include "cli/duration.hpp"
#include "cli/error.hpp"
#include "worker/actions/action.hpp"
#include "worker/actions/http_client.hpp"
#include "worker/outcome.hpp"

namespace sheratan {

namespace {

constexpr const char* kPlanInstructions =
    "You plan work for a job runner. Reply with JSON only, one of: "
    "{\"lcp_version\":\"1\",\"type\":\"followup_jobs\",\"jobs\":[{\"kind\":KIND,\"params\":{...}}]} "
    "or {\"lcp_version\":\"1\",\"type\":\"final_answer\",\"answer\":TEXT}. Kinds: list_files, walk_tree, "
    "read_file, read_file_batch, write_file, patch_file, http, llm_call, agent_plan.";

std::string environment(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

std::string completions_url() {
  std::string url = environment("SHERATAN_LLM_URL");
  if (url.empty()) refuse("SHERATAN_LLM_URL is not set: no chat-completions endpoint to call");
  if (url.ends_with("/chat/completions")) return url;
  while (!url.empty() && url.back() == '/')
    url.pop_back();
  return url + "/chat/completions";
}

Json messages_from(const Json& params, bool plan) {
  Json messages = Json::array();
  if (plan) messages.push_back({{"role", "system"}, {"content", kPlanInstructions}});
  if (auto system = params.find("system"); system != params.end() && !system->is_null())
    messages.push_back({{"role", "system"}, {"content", param_string(params, "system")}});
  if (auto given = params.find("messages"); given != params.end() && !given->is_null()) {
    if (!given->is_array() || given->empty()) refuse("params.messages must be a non-empty array of messages");
    for (const auto& message : *given) {
      if (!message.is_object() || !message.contains("role") || !message.contains("content"))
        refuse("params.messages must hold objects with role and content");
      messages.push_back(message);
    }
  } else {
    messages.push_back({{"role", "user"}, {"content", param_string(params, "prompt")}});
  }
  return messages;
}

bool is_envelope(const Json& value) {
  return value.is_object() && value.value("lcp_version", Json()) == "1" && value.contains("type");
}

Json chat(const Json& params, const ActionContext& context, bool plan) {
  known_params(params, {"prompt", "messages", "system", "model", "temperature", "max_tokens", "timeout"});
  Json body{{"messages", messages_from(params, plan)}};
  body["model"] = param_string_or(params, "model", environment("SHERATAN_LLM_MODEL"));
  if (body["model"].get<std::string>().empty()) refuse("no model: set SHERATAN_LLM_MODEL or params.model");
  if (auto temperature = params.find("temperature"); temperature != params.end()) {
    if (!temperature->is_number()) refuse("params.temperature must be a number");
    body["temperature"] = *temperature;
  }
  if (params.contains("max_tokens")) body["max_tokens"] = param_integer_or(params, "max_tokens", 0, 1, 1'000'000);
  HttpRequest request;
  request.method = "POST";
  request.url = completions_url();
  request.body = body.dump();
  request.headers["Content-Type"] = "application/json";
  if (std::string key = environment("SHERATAN_LLM_KEY"); !key.empty())
    request.headers["Authorization"] = "Bearer " + key;
  request.timeout_ms = context.timeout_ms;
  if (auto timeout = params.find("timeout"); timeout != params.end()) {
    try {
      request.timeout_ms = std::min(context.timeout_ms, parse_duration_json(*timeout));
    } catch (const Error& error) {
      refuse(std::string("params.timeout ") + error.what());
    }
  }
  HttpResponse response = send_http(request, context.stop_requested);
  std::string snippet = text_tail(response.body.substr(0, 300), 300);
  if (response.status == 429 || response.status >= 500)
    throw ActionFailure("LLM endpoint answered " + std::to_string(response.status) + ": " + snippet, true);
  if (response.status < 200 || response.status > 299)
    refuse("LLM endpoint answered " + std::to_string(response.status) + ": " + snippet);
  Json reply = Json::parse(response.body, nullptr, false);
  std::optional<std::string> content;
  if (reply.is_object() && reply.contains("choices") && reply["choices"].is_array() && !reply["choices"].empty() &&
      reply["choices"][0].is_object()) {
    Json message = reply["choices"][0].value("message", Json::object());
    if (message.is_object() && message.contains("content") && message["content"].is_string())
      content = message["content"].get<std::string>();
  }
  if (!content) throw ActionFailure("LLM endpoint sent no choices[0].message.content: " + snippet, true);
  Json llm{{"model", reply.value("model", body["model"])}, {"usage", reply.value("usage", Json())}};
  Json parsed = Json::parse(*content, nullptr, false);
  if (is_envelope(parsed)) {
    parsed["llm"] = llm;
    return valid_utf8(parsed);
  }
  if (plan) refuse("agent_plan: the reply is not an LCP envelope: " + text_tail(*content, 300));
  return valid_utf8(Json{{"content", *content}, {"llm", llm}});
}

}  // namespace

Json run_llm_call(const Json& params, const ActionContext& context) {
  return chat(params, context, false);
}

Json run_agent_plan(const Json& params, const ActionContext& context) {
  return chat(params, context, true);
}

}  // namespace sheratan
