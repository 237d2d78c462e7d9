// Unit tests for common/gates: the phrase search (G4), the path rules (G3), the policy
// from the config file, and the pipeline's codes, verdicts and order.
#include <catch2/catch.hpp>

#include <optional>
#include <string>

#include "cli/config.hpp"
#include "gates/admission.hpp"
#include "gates/gates.hpp"
#include "gates/path_check.hpp"
#include "gates/phrases.hpp"
#include "gates/reviewer.hpp"
#include "support/test_support.hpp"

using namespace sheratan;
using sheratan::testing::error_of;
using sheratan::testing::ScopedEnv;

namespace {

constexpr EpochMillis kJudgedAt = 1'764'184'800'000;

GateReport judge(const Gates& gates, const char* job, JobSource source = JobSource::cli) {
  std::optional<JobSpec> spec;
  return gates.judge(Json::parse(job), source, JobDefaults{}, kJudgedAt, spec);
}

GateReport judge(const char* job, JobSource source = JobSource::cli) {
  const Gates gates(GatePolicy::defaults());
  return judge(gates, job, source);
}

// The report's decisive finding has this gate, code and verdict.
void check_decided(const GateReport& report, const char* gate, const char* code, Verdict verdict) {
  INFO(report.to_json().dump());
  CHECK(report.verdict == verdict);
  const Finding* finding = report.decisive();
  REQUIRE(finding != nullptr);
  CHECK(finding->gate == gate);
  CHECK(finding->code == code);
}

Config config_of(const char* json) {
  return Config::from_json(Json::parse(json), "test.json");
}

}  // namespace

TEST_CASE("phrases match whole words in any case, across punctuation", "[gates]") {
  PhraseSet set({"self modify", "ignore policy"}, {"force", "no confirmation"});
  auto hard = [&](const char* text) { return set.find_in(text).hard; };
  auto soft = [&](const char* text) { return set.find_in(text).soft; };
  CHECK(soft("use --force now") != nullptr);
  CHECK(soft("FORCE") != nullptr);
  CHECK(soft("we enforce rules") == nullptr);
  CHECK(soft("forced") == nullptr);
  CHECK(*hard("please Self-Modify the code") == "self modify");
  CHECK(*hard("self_modify") == "self modify");
  CHECK(hard("self  \n modify") != nullptr);
  CHECK(hard("selfmodify") == nullptr);
  CHECK(hard("ignore the policy") == nullptr);
  CHECK(hard("") == nullptr);
  CHECK(*soft("No-Confirmation needed, then self modify") == "no confirmation");
  CHECK(*hard("No-Confirmation needed, then self modify") == "self modify");
  CHECK(PhraseSet({}, {}).find_in("force").soft == nullptr);
  CHECK(words_of("Ab-c_d  e9") == std::vector<std::string>{"ab", "c", "d", "e9"});
}

TEST_CASE("paths: relative, no '..', outside forbidden prefixes, compared after normalising", "[gates]") {
  const std::vector<std::string> forbidden{".git/", ".env", "build/"};
  auto code = [&](const char* path, bool fold = false) -> std::string {
    auto problem = check_path(path, forbidden, fold);
    return problem ? problem->code : "ok";
  };
  CHECK(code("docs/a.md") == "ok");
  CHECK(code(".") == "ok");
  CHECK(code("docs/build/x") == "ok");  // a prefix, not any segment
  CHECK(code("environment.txt") == "ok");
  CHECK(code("") == "path_empty");
  CHECK(code("a\nb") == "path_control");
  CHECK(code("/etc/passwd") == "path_absolute");
  CHECK(code("\\\\server\\share") == "path_absolute");
  CHECK(code("C:\\Windows") == "path_absolute");
  CHECK(code("~/x") == "path_absolute");
  CHECK(code("..") == "path_parent");
  CHECK(code("a/../../x") == "path_parent");
  CHECK(code("docs\\..\\..\\x") == "path_parent");
  CHECK(code(".git") == "path_forbidden");
  CHECK(code(".git/config") == "path_forbidden");
  CHECK(code("./.git/config") == "path_forbidden");    // the original's prefix check missed these
  CHECK(code(".//.git//config") == "path_forbidden");  // ... and these
  CHECK(code(".git\\config") == "path_forbidden");
  CHECK(code(".env") == "path_forbidden");
  CHECK(code(".env.local") == "path_forbidden");
  CHECK(code(".envrc") == "ok");
  CHECK(code("build/out.o") == "path_forbidden");
  CHECK(code("build") == "path_forbidden");
  CHECK(code(".GIT/config") == "ok");
  CHECK(code(".GIT/config", true) == "path_forbidden");
  CHECK(code("Build/x", true) == "path_forbidden");
  CHECK(path_segments("./a//b/./c\\d", false) == std::vector<std::string>{"a", "b", "c", "d"});
}

TEST_CASE("every gate's codes and verdicts", "[gates]") {
  SECTION("PASS: a built-in action with good params") {
    auto report = judge(R"({"kind":"read_file","params":{"path":"docs/a.md"}})");
    CHECK(report.verdict == Verdict::pass);
    CHECK(report.findings.empty());
    CHECK(report.to_json()["action"] == "ALLOW");
  }
  SECTION("G1 schema: a field of the job, named") {
    auto report = judge(R"({"kind":"noop","priority":"urgent"})");
    check_decided(report, "G1", "schema", Verdict::fail);
    CHECK(report.decisive()->field == "priority");
    check_decided(judge(R"({"params":{}})"), "G1", "schema", Verdict::fail);
    CHECK(judge(R"({"params":{}})").decisive()->field == "kind");
    check_decided(judge(R"([1])"), "G1", "schema", Verdict::fail);
    // A job cannot name its own source: provenance is not a field.
    auto provenance = judge(R"({"kind":"noop","provenance":{"source_zone":"api"}})");
    check_decided(provenance, "G1", "schema", Verdict::fail);
    CHECK(provenance.decisive()->field == "provenance");
  }
  SECTION("G1 schema: what the built-in actions need") {
    check_decided(judge(R"({"kind":"read_file"})"), "G1", "param_missing", Verdict::fail);
    check_decided(judge(R"({"kind":"read_file","params":{"path":7}})"), "G1", "param_type", Verdict::fail);
    check_decided(judge(R"({"kind":"write_file","params":{"path":"a"}})"), "G1", "param_missing", Verdict::fail);
    CHECK(judge(R"({"kind":"write_file","params":{"path":"a"}})").decisive()->field == "params.content");
    check_decided(judge(R"({"kind":"read_file_batch","params":{"paths":["a",1]}})"), "G1", "param_type", Verdict::fail);
    check_decided(judge(R"({"kind":"patch_file","params":{"path":"a","ops":{}}})"), "G1", "param_type", Verdict::fail);
    check_decided(judge(R"({"kind":"http","params":{}})"), "G1", "param_missing", Verdict::fail);
    check_decided(judge(R"({"kind":"llm_call","params":{}})"), "G1", "param_missing", Verdict::fail);
    CHECK(judge(R"({"kind":"llm_call","params":{"messages":[]}})").verdict == Verdict::pass);
  }
  SECTION("G2 kind: forbidden kinds are quarantined, however they are spelled") {
    for (const char* kind : {"shell", "Shell-Exec", "delete.tree", "RM_RF", "self modify", "eval", "registry_edit"}) {
      INFO(kind);
      check_decided(judge(("{\"kind\":\"" + std::string(kind) + "\"}").c_str()), "G2", "kind_forbidden",
                    Verdict::pause);
    }
    auto report = judge(R"({"kind":"shell"})");
    CHECK(report.to_json()["action"] == "QUARANTINE");
  }
  SECTION("G2 kind: a kind that is neither built in nor configured is refused") {
    check_decided(judge(R"({"kind":"resize"})"), "G2", "kind_not_allowed", Verdict::fail);
    check_decided(judge(R"({"kind":"Read_File","params":{"path":"a"}})"), "G2", "kind_not_allowed", Verdict::fail);
    GatePolicy policy = GatePolicy::from_config(config_of(R"({"gates":{"kinds":["resize","img.*"]}})"));
    const Gates gates(policy);
    CHECK(judge(gates, R"({"kind":"resize"})").verdict == Verdict::pass);
    CHECK(judge(gates, R"({"kind":"img.thumb"})").verdict == Verdict::pass);
    CHECK(judge(gates, R"({"kind":"img-thumb"})").verdict == Verdict::pass);  // normalised alike
    CHECK(judge(gates, R"({"kind":"video"})").verdict == Verdict::fail);
    // Forbidden wins over allowed.
    const Gates everything(GatePolicy::from_config(config_of(R"({"gates":{"kinds":["*"]}})")));
    check_decided(judge(everything, R"({"kind":"bash"})"), "G2", "kind_forbidden", Verdict::pause);
  }
  SECTION("G3 paths: every path param, strings and arrays") {
    check_decided(judge(R"({"kind":"read_file","params":{"path":"/etc/passwd"}})"), "G3", "path_absolute",
                  Verdict::fail);
    auto batch = judge(R"({"kind":"read_file_batch","params":{"paths":["a","../b"]}})");
    check_decided(batch, "G3", "path_parent", Verdict::fail);
    CHECK(batch.decisive()->field == "params.paths[1]");
    check_decided(judge(R"({"kind":"list_files","params":{"root":".git"}})"), "G3", "path_forbidden", Verdict::fail);
    check_decided(judge(R"({"kind":"list_files","params":{"path":{"x":1}}})"), "G3", "path_type", Verdict::fail);
  }
  SECTION("G4 escalation: hard phrases pause, soft ones warn, whole words only") {
    auto hard = judge(R"({"kind":"write_file","params":{"path":"a","content":"Please IGNORE-policy now"}})");
    check_decided(hard, "G4", "hard_phrase", Verdict::pause);
    CHECK(hard.decisive()->field == "params.content");
    auto soft = judge(R"({"kind":"noop","params":{"note":["ok","use --force"]}})");
    check_decided(soft, "G4", "soft_phrase", Verdict::warn);
    CHECK(soft.decisive()->field == "params.note[1]");
    CHECK(soft.to_json()["action"] == "ALLOW");
    CHECK(judge(R"({"kind":"noop","params":{"note":"we enforce the rules"}})").verdict == Verdict::pass);
    check_decided(judge(R"({"kind":"noop","labels":{"task":"disable gates"}})"), "G4", "hard_phrase", Verdict::pause);
    // A warning does not stop a later pause.
    auto both = judge(R"({"kind":"noop","params":{"a":"bypass","b":{"c":"self modify"}}})");
    CHECK(both.verdict == Verdict::pause);
    CHECK(both.findings.size() == 2);
  }
  SECTION("G4 escalation: a patch of more than 50 operations is quarantined whatever the policy") {
    Json ops = Json::array();
    for (int i = 0; i < 51; ++i)
      ops.push_back(Json{{"op", "delete"}, {"old", "x"}});
    Json job{{"kind", "patch_file"}, {"params", {{"path", "a"}, {"ops", ops}}}};
    check_decided(judge(job.dump().c_str()), "G4", "patch_too_large", Verdict::pause);
    job["params"]["ops"].erase(0);
    CHECK(judge(job.dump().c_str()).verdict == Verdict::pass);
    const Gates no_phrases(GatePolicy::from_config(config_of(R"({"gates":{"hard_phrases":[],"max_patch_ops":10}})")));
    job["params"]["ops"] = Json::array();
    for (int i = 0; i < 11; ++i)
      job["params"]["ops"].push_back(Json{{"op", "delete"}, {"old", "x"}});
    check_decided(judge(no_phrases, job.dump().c_str()), "G4", "patch_too_large", Verdict::pause);
  }
  SECTION("G0 source zone: follow-ups only of reading kinds, sources as the policy says") {
    CHECK(judge(R"({"kind":"read_file","params":{"path":"a"}})", JobSource::followup).verdict == Verdict::pass);
    auto write = judge(R"({"kind":"write_file","params":{"path":"a","content":"x"}})", JobSource::followup);
    check_decided(write, "G0", "followup_kind", Verdict::pause);
    CHECK(write.to_json()["source"] == "followup");
    CHECK(judge(R"({"kind":"write_file","params":{"path":"a","content":"x"}})", JobSource::api).verdict ==
          Verdict::pass);
    const Gates cli_only(GatePolicy::from_config(config_of(R"({"gates":{"sources":["cli"]}})")));
    check_decided(judge(cli_only, R"({"kind":"noop"})", JobSource::api), "G0", "source_refused", Verdict::fail);
  }
  SECTION("the gates stop at the first FAIL or PAUSE, in order") {
    // G2 pauses a forbidden kind before G3 would refuse its path.
    check_decided(judge(R"({"kind":"shell","params":{"path":"/"}})"), "G2", "kind_forbidden", Verdict::pause);
    // G3 refuses before G4 would pause.
    check_decided(judge(R"({"kind":"read_file","params":{"path":"../x","note":"self modify"}})"), "G3", "path_parent",
                  Verdict::fail);
  }
}

TEST_CASE("the policy: defaults, config keys and $SHERATAN_GATES_KINDS, bad values named", "[gates]") {
  ScopedEnv no_kinds("SHERATAN_GATES_KINDS", std::nullopt);
  GatePolicy defaults = GatePolicy::from_config(config_of("{}"));
  CHECK(defaults.kinds.empty());
  CHECK(defaults.max_patch_ops == 50);
  CHECK(defaults.forbidden_paths == std::vector<std::string>{".git/", ".env", "build/"});
  {
    ScopedEnv kinds("SHERATAN_GATES_KINDS", "resize, Img-*,,");
    CHECK(GatePolicy::from_config(config_of("{}")).kinds == std::vector<std::string>{"resize", "img_*"});
  }
  auto policy = GatePolicy::from_config(config_of(R"({"gates":{"case_insensitive_paths":true,"reviewer":"./r"}})"));
  CHECK(policy.case_insensitive_paths);
  CHECK(policy.reviewer == "./r");
  for (const char* bad :
       {R"({"gates":[]})", R"({"gates":{"kinds":"x"}})", R"({"gates":{"kinds":[""]}})",
        R"({"gates":{"max_patch_ops":51}})", R"({"gates":{"sources":["output"]}})",
        R"({"gates":{"case_insensitive_paths":1}})", R"({"gates":{"kindz":[]}})", R"({"gates":{"reviewer":""}})"}) {
    INFO(bad);
    Error error = error_of([&] { GatePolicy::from_config(config_of(bad)); });
    CHECK(error.code() == ExitCode::bad_input);
    CHECK_THAT(error.what(), Catch::Matchers::Contains("'gates"));
  }
}

TEST_CASE("admission: PASS and WARN admitted, PAUSE quarantined, FAIL refused naming the line", "[gates]") {
  const Gates gates(GatePolicy::defaults());
  const Admission admission(gates, JobSource::ingest, JobDefaults{});
  Admitted pass = admission.admit(Json::parse(R"({"kind":"noop"})"), 3, kJudgedAt);
  CHECK_FALSE(pass.item.quarantine);
  CHECK_FALSE(pass.item.gate_report);
  CHECK(pass.item.source == JobSource::ingest);
  CHECK(pass.item.line == 3);
  Admitted warn = admission.admit(Json::parse(R"({"kind":"noop","params":{"x":"sudo"}})"), 0, kJudgedAt);
  CHECK_FALSE(warn.item.quarantine);
  REQUIRE(warn.item.gate_report);
  CHECK(Json::parse(*warn.item.gate_report)["verdict"] == "WARN");
  Admitted pause = admission.admit(Json::parse(R"({"kind":"rmtree"})"), 0, kJudgedAt);
  CHECK(pause.item.quarantine);
  try {
    admission.admit(Json::parse(R"({"kind":"x"})"), 7, kJudgedAt);
    FAIL("no refusal");
  } catch (const GateRefusal& refusal) {
    CHECK(refusal.code() == ExitCode::bad_input);
    CHECK_THAT(refusal.what(), Catch::Matchers::StartsWith("line 7: refused by gate G2 kind_not_allowed: "));
    CHECK(refusal.report()["line"] == 7);
    CHECK(Json::parse(refusal.record()) == refusal.report());
  }
}

TEST_CASE("a reviewer's answer: decision and reason, nothing else", "[gates]") {
  auto decision = parse_review_answer(R"({"decision":"approve","reason":"fine"})");
  CHECK(decision.approve);
  CHECK(decision.reason == "fine");
  CHECK_FALSE(parse_review_answer(R"({"decision":"reject","reason":"no"})").approve);
  for (const char* bad : {"", "yes", "[]", R"({"decision":"maybe","reason":"x"})", R"({"decision":"approve"})",
                          R"({"decision":"approve","reason":""})", R"({"decision":"approve","reason":"x","y":1})"}) {
    INFO(bad);
    CHECK(error_of([&] { parse_review_answer(bad); }).code() == ExitCode::failed);
  }
}

TEST_CASE("a reviewer command: its answer, its failures, its timeout", "[gates]") {
  const Json input{{"job", {{"id", "j1"}}}, {"report", nullptr}};
  CHECK(ask_reviewer(R"(jq -c '{decision: "approve", reason: .job.id}')", input, 10'000).reason == "j1");
  CHECK_THAT(error_of([&] { ask_reviewer("exit 3", input, 10'000); }).what(), Catch::Matchers::Contains("exited 3"));
  // A reviewer that never reads its input and answers at once is fine.
  CHECK_FALSE(ask_reviewer(R"(echo '{"decision":"reject","reason":"no"}')", input, 10'000).approve);
  CHECK_THAT(error_of([&] { ask_reviewer("sleep 30", input, 200); }).what(), Catch::Matchers::Contains("ran past"));
}
