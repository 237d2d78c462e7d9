// Unit tests for common/queue/job: parse_job_spec, parse_priority, statuses,
// JobSpec::payload, Job::to_json, job_from_json and JobEvent::to_json.
#include <catch2/catch.hpp>

#include <string>

#include "cli/error.hpp"
#include "json/canonical.hpp"
#include "queue/job.hpp"
#include "support/test_support.hpp"

using sheratan::EpochMillis;
using sheratan::Error;
using sheratan::ExitCode;
using sheratan::Job;
using sheratan::JobDefaults;
using sheratan::JobSpec;
using sheratan::JobStatus;
using sheratan::Json;
using sheratan::parse_job_spec;

using sheratan::testing::error_of;

namespace {

constexpr EpochMillis kNow = 1'764'184'800'000;  // 2025-11-26T19:20:00Z

JobSpec parse(const char* text, const JobDefaults& defaults = {}) {
  return parse_job_spec(Json::parse(text), defaults, kNow);
}

// Parsing must fail with bad_input and a message naming the field.
Error spec_error(const char* text, const std::string& field) {
  INFO(text);
  Error error = error_of([&] { parse(text); });
  CHECK(error.code() == ExitCode::bad_input);
  CHECK_THAT(error.what(), Catch::Matchers::StartsWith("field '" + field + "'"));
  return error;
}

}  // namespace

TEST_CASE("parse_job_spec fills in defaults", "[queue][job]") {
  JobSpec spec = parse(R"({"kind":"build"})");
  CHECK(spec.kind == "build");
  CHECK(spec.params == Json::object());
  CHECK(spec.queue == "default");
  CHECK(spec.priority == 10);
  CHECK_FALSE(spec.run_at.has_value());
  CHECK(spec.depends_on.empty());
  CHECK_FALSE(spec.idempotency_key.has_value());
  CHECK(spec.max_attempts == 5);
  CHECK(spec.timeout_ms == 300'000);
  CHECK(spec.backoff_ms == 500);
  CHECK(spec.backoff_max_ms == 300'000);
  CHECK(spec.labels == Json::object());
  CHECK_FALSE(spec.cost.has_value());
}

TEST_CASE("parse_job_spec takes its defaults from JobDefaults", "[queue][job]") {
  JobDefaults defaults;
  defaults.queue = "batch";
  defaults.priority = 0;
  defaults.max_attempts = 2;
  defaults.timeout_ms = 1'000;
  defaults.backoff_ms = 100;
  defaults.backoff_max_ms = 400;
  JobSpec spec = parse(R"({"kind":"k"})", defaults);
  CHECK(spec.queue == "batch");
  CHECK(spec.priority == 0);
  CHECK(spec.max_attempts == 2);
  CHECK(spec.timeout_ms == 1'000);
  CHECK(spec.backoff_ms == 100);
  CHECK(spec.backoff_max_ms == 400);
  // A field in the input still wins over the default.
  CHECK(parse(R"({"kind":"k","queue":"urgent","max_attempts":9})", defaults).queue == "urgent");
  CHECK(parse(R"({"kind":"k","queue":"urgent","max_attempts":9})", defaults).max_attempts == 9);
}

TEST_CASE("parse_job_spec reads every field", "[queue][job]") {
  JobSpec spec = parse(R"({
      "kind": "read_file",
      "params": {"path": "README.md", "n": [1, 2]},
      "queue": "io",
      "priority": 25,
      "run_at": "2026-11-26T19:20:00.123Z",
      "depends_on": ["0190a000-0000-7000-8000-000000000001", "0190a000-0000-7000-8000-000000000002"],
      "idempotency_key": "read-readme-1",
      "max_attempts": 3,
      "timeout": "90s",
      "backoff": "2s",
      "backoff_max": "1m",
      "labels": {"chain": "c1", "team": "ops"},
      "cost": "1.25"
    })");
  CHECK(spec.kind == "read_file");
  CHECK(spec.params == Json{{"path", "README.md"}, {"n", {1, 2}}});
  CHECK(spec.queue == "io");
  CHECK(spec.priority == 25);
  REQUIRE(spec.run_at.has_value());
  CHECK(*spec.run_at == sheratan::parse_rfc3339("2026-11-26T19:20:00.123Z"));
  CHECK(spec.depends_on ==
        std::vector<std::string>{"0190a000-0000-7000-8000-000000000001", "0190a000-0000-7000-8000-000000000002"});
  CHECK(spec.idempotency_key == std::optional<std::string>("read-readme-1"));
  CHECK(spec.max_attempts == 3);
  CHECK(spec.timeout_ms == 90'000);
  CHECK(spec.backoff_ms == 2'000);
  CHECK(spec.backoff_max_ms == 60'000);
  CHECK(spec.labels == Json{{"chain", "c1"}, {"team", "ops"}});
  CHECK(spec.cost == std::optional<sheratan::MoneyUnits>(12'500));
}

TEST_CASE("parse_job_spec reads priority names and integers", "[queue][job]") {
  CHECK(parse(R"({"kind":"k","priority":"critical"})").priority == 30);
  CHECK(parse(R"({"kind":"k","priority":"high"})").priority == 20);
  CHECK(parse(R"({"kind":"k","priority":"normal"})").priority == 10);
  CHECK(parse(R"({"kind":"k","priority":"low"})").priority == 0);
  CHECK(parse(R"({"kind":"k","priority":-5})").priority == -5);
  CHECK(parse(R"({"kind":"k","priority":1000000})").priority == 1'000'000);
  CHECK(sheratan::parse_priority(Json("high")) == 20);
  CHECK(sheratan::parse_priority(Json(7)) == 7);

  CHECK_THAT(spec_error(R"({"kind":"k","priority":"urgent"})", "priority").what(),
             Catch::Matchers::Contains("'urgent'"));
  CHECK_THAT(spec_error(R"({"kind":"k","priority":1000001})", "priority").what(), Catch::Matchers::Contains("1000000"));
  CHECK_THAT(spec_error(R"({"kind":"k","priority":-1000001})", "priority").what(),
             Catch::Matchers::Contains("between -1000000 and 1000000"));
  spec_error(R"({"kind":"k","priority":1.5})", "priority");
  spec_error(R"({"kind":"k","priority":18446744073709551615})", "priority");
  spec_error(R"({"kind":"k","priority":"HIGH"})", "priority");
}

TEST_CASE("parse_job_spec turns a delay into run_at", "[queue][job]") {
  SECTION("a duration string") {
    JobSpec spec = parse(R"({"kind":"k","delay":"30s"})");
    REQUIRE(spec.run_at.has_value());
    CHECK(*spec.run_at == kNow + 30'000);
  }
  SECTION("a number of seconds") {
    JobSpec spec = parse(R"({"kind":"k","delay":1.5})");
    REQUIRE(spec.run_at.has_value());
    CHECK(*spec.run_at == kNow + 1'500);
  }
  SECTION("zero") {
    JobSpec spec = parse(R"({"kind":"k","delay":0})");
    REQUIRE(spec.run_at.has_value());
    CHECK(*spec.run_at == kNow);
  }
  SECTION("a bad delay names the field") {
    spec_error(R"({"kind":"k","delay":"soon"})", "delay");
    spec_error(R"({"kind":"k","delay":-1})", "delay");
    spec_error(R"({"kind":"k","delay":true})", "delay");
  }
}

TEST_CASE("parse_job_spec reads run_at with an offset", "[queue][job]") {
  JobSpec spec = parse(R"({"kind":"k","run_at":"2026-11-26T21:20:00+02:00"})");
  REQUIRE(spec.run_at.has_value());
  CHECK(*spec.run_at == sheratan::parse_rfc3339("2026-11-26T19:20:00Z"));
  Error error = spec_error(R"({"kind":"k","run_at":"tomorrow"})", "run_at");
  CHECK_THAT(error.what(), Catch::Matchers::Contains("'tomorrow'"));
  spec_error(R"({"kind":"k","run_at":12345})", "run_at");
}

TEST_CASE("parse_job_spec refuses delay together with run_at", "[queue][job]") {
  Error error = spec_error(R"({"kind":"k","delay":"5s","run_at":"2026-11-26T19:20:00Z"})", "delay");
  CHECK_THAT(error.what(), Catch::Matchers::Contains("run_at"));
}

TEST_CASE("parse_job_spec refuses unknown fields, naming them", "[queue][job]") {
  Error error = spec_error(R"({"kind":"k","colour":"red"})", "colour");
  CHECK_THAT(error.what(), Catch::Matchers::Contains("unknown"));
  spec_error(R"({"kind":"k","Kind":"x"})", "Kind");
  spec_error(R"({"kind":"k","param":{}})", "param");
}

TEST_CASE("parse_job_spec requires a non-empty string kind", "[queue][job]") {
  CHECK_THAT(spec_error(R"({})", "kind").what(), Catch::Matchers::Contains("required"));
  CHECK_THAT(spec_error(R"({"params":{}})", "kind").what(), Catch::Matchers::Contains("required"));
  CHECK_THAT(spec_error(R"({"kind":""})", "kind").what(), Catch::Matchers::Contains("empty"));
  CHECK_THAT(spec_error(R"({"kind":5})", "kind").what(), Catch::Matchers::Contains("must be a string, not integer"));
  const std::string long_kind = "{\"kind\":\"" + std::string(129, 'k') + "\"}";
  spec_error(long_kind.c_str(), "kind");
  const std::string max_kind = "{\"kind\":\"" + std::string(128, 'k') + "\"}";
  CHECK(parse(max_kind.c_str()).kind.size() == 128);
}

TEST_CASE("parse_job_spec refuses wrong types, naming the field", "[queue][job]") {
  CHECK_THAT(spec_error(R"({"kind":"k","params":[1]})", "params").what(),
             Catch::Matchers::Contains("must be an object, not array"));
  spec_error(R"({"kind":"k","params":"x"})", "params");
  spec_error(R"({"kind":"k","params":null})", "params");
  spec_error(R"({"kind":"k","queue":7})", "queue");
  spec_error(R"({"kind":"k","queue":""})", "queue");
  spec_error(R"({"kind":"k","labels":["a"]})", "labels");
  CHECK_THAT(spec_error(R"({"kind":"k","labels":{"team":"ops","n":1}})", "labels.n").what(),
             Catch::Matchers::Contains("must be a string, not integer"));
  spec_error(R"({"kind":"k","labels":{"x":null}})", "labels.x");
  spec_error(R"({"kind":"k","depends_on":"abc"})", "depends_on");
  spec_error(R"({"kind":"k","depends_on":[1]})", "depends_on");
  spec_error(R"({"kind":"k","depends_on":[""]})", "depends_on");
  spec_error(R"({"kind":"k","idempotency_key":1})", "idempotency_key");
  spec_error(R"({"kind":"k","idempotency_key":""})", "idempotency_key");
  spec_error(R"({"kind":"k","timeout":"0s"})", "timeout");
  spec_error(R"({"kind":"k","timeout":"x"})", "timeout");
  spec_error(R"({"kind":"k","backoff":[]})", "backoff");
  spec_error(R"({"kind":"k","backoff_max":"-1s"})", "backoff_max");
}

TEST_CASE("parse_job_spec checks max_attempts", "[queue][job]") {
  CHECK_THAT(spec_error(R"({"kind":"k","max_attempts":0})", "max_attempts").what(),
             Catch::Matchers::Contains("between 1 and 1000"));
  spec_error(R"({"kind":"k","max_attempts":1001})", "max_attempts");
  spec_error(R"({"kind":"k","max_attempts":-1})", "max_attempts");
  spec_error(R"({"kind":"k","max_attempts":"3"})", "max_attempts");
  spec_error(R"({"kind":"k","max_attempts":2.0})", "max_attempts");
  CHECK(parse(R"({"kind":"k","max_attempts":1})").max_attempts == 1);
  CHECK(parse(R"({"kind":"k","max_attempts":1000})").max_attempts == 1000);
}

TEST_CASE("parse_job_spec checks cost", "[queue][job]") {
  CHECK(parse(R"({"kind":"k","cost":"0.0001"})").cost == std::optional<sheratan::MoneyUnits>(1));
  CHECK(parse(R"({"kind":"k","cost":3})").cost == std::optional<sheratan::MoneyUnits>(30'000));
  CHECK(parse(R"({"kind":"k","cost":"0"})").cost == std::optional<sheratan::MoneyUnits>(0));
  CHECK_THAT(spec_error(R"({"kind":"k","cost":"1.23456"})", "cost").what(),
             Catch::Matchers::Contains("more than 4 fraction digits"));
  CHECK_THAT(spec_error(R"({"kind":"k","cost":"-1"})", "cost").what(), Catch::Matchers::Contains("negative"));
  spec_error(R"({"kind":"k","cost":1.5})", "cost");
  spec_error(R"({"kind":"k","cost":"abc"})", "cost");
}

TEST_CASE("parse_job_spec raises backoff_max to backoff", "[queue][job]") {
  JobSpec spec = parse(R"({"kind":"k","backoff":"10m","backoff_max":"1m"})");
  CHECK(spec.backoff_ms == 600'000);
  CHECK(spec.backoff_max_ms == 600'000);
}

TEST_CASE("parse_job_spec limits depends_on to 1000 jobs", "[queue][job]") {
  Json input = {{"kind", "k"}, {"depends_on", Json::array()}};
  for (int i = 0; i < 1001; ++i)
    input["depends_on"].push_back("id-" + std::to_string(i));
  Error error = error_of([&] { parse_job_spec(input, {}, kNow); });
  CHECK(error.code() == ExitCode::bad_input);
  CHECK_THAT(error.what(), Catch::Matchers::StartsWith("field 'depends_on'"));
  input["depends_on"].erase(0);
  CHECK(parse_job_spec(input, {}, kNow).depends_on.size() == 1000);
  // The limit counts jobs, not mentions: one job named 1,001 times is one dependency.
  input["depends_on"] = Json::array();
  for (int i = 0; i < 1001; ++i)
    input["depends_on"].push_back("id-same");
  CHECK(parse_job_spec(input, {}, kNow).depends_on.size() == 1);
}

TEST_CASE("JobSpec::payload is the same for the same spec whatever the key order", "[queue][job]") {
  const char* first = R"({"kind":"k","params":{"a":1,"b":{"y":2,"x":1}},"labels":{"p":"1","q":"2"},
                          "priority":"high","cost":"2.5","idempotency_key":"key-1","delay":"5s"})";
  const char* second = R"({"delay":"5s","idempotency_key":"key-1","cost":"2.5000","priority":20,
                           "labels":{"q":"2","p":"1"},"params":{"b":{"x":1,"y":2},"a":1},"kind":"k"})";
  JobSpec a = parse(first);
  JobSpec b = parse(second);
  CHECK(a.payload() == b.payload());
  CHECK(sheratan::canonical_hash(a.payload()) == sheratan::canonical_hash(b.payload()));

  SECTION("the payload leaves out the key and the moment to run") {
    JobSpec later = parse_job_spec(Json::parse(second), {}, kNow + 60'000);
    later.idempotency_key = "other-key";
    CHECK(later.payload() == a.payload());
    CHECK_FALSE(a.payload().contains("idempotency_key"));
    CHECK_FALSE(a.payload().contains("run_at"));
  }
  SECTION("the payload holds every other field") {
    const Json payload = a.payload();
    CHECK(payload["kind"] == "k");
    CHECK(payload["params"] == Json{{"a", 1}, {"b", {{"x", 1}, {"y", 2}}}});
    CHECK(payload["queue"] == "default");
    CHECK(payload["priority"] == 20);
    CHECK(payload["depends_on"] == Json::array());
    CHECK(payload["max_attempts"] == 5);
    CHECK(payload["timeout_ms"] == 300'000);
    CHECK(payload["backoff_ms"] == 500);
    CHECK(payload["backoff_max_ms"] == 300'000);
    CHECK(payload["labels"] == Json{{"p", "1"}, {"q", "2"}});
    CHECK(payload["cost"] == "2.5000");
  }
  SECTION("a different field gives a different payload") {
    JobSpec c = parse(R"({"kind":"k","params":{"a":2,"b":{"y":2,"x":1}},"labels":{"p":"1","q":"2"},
                          "priority":"high","cost":"2.5","idempotency_key":"key-1","delay":"5s"})");
    CHECK(c.payload() != a.payload());
    JobSpec d = a;
    d.priority = 10;
    CHECK(d.payload() != a.payload());
    JobSpec e = a;
    e.cost.reset();
    CHECK_FALSE(e.payload().contains("cost"));
    CHECK(e.payload() != a.payload());
  }
}

TEST_CASE("job statuses have names, and terminal ones are known", "[queue][job]") {
  using sheratan::is_terminal;
  using sheratan::parse_job_status;
  using sheratan::to_string;
  for (JobStatus status : {JobStatus::pending, JobStatus::ready, JobStatus::leased, JobStatus::done, JobStatus::dead,
                           JobStatus::canceled, JobStatus::blocked})
    CHECK(parse_job_status(to_string(status)) == status);
  CHECK(to_string(JobStatus::canceled) == "canceled");
  CHECK(to_string(JobStatus::blocked) == "blocked");
  CHECK(is_terminal(JobStatus::done));
  CHECK(is_terminal(JobStatus::dead));
  CHECK(is_terminal(JobStatus::canceled));
  CHECK_FALSE(is_terminal(JobStatus::pending));
  CHECK_FALSE(is_terminal(JobStatus::ready));
  CHECK_FALSE(is_terminal(JobStatus::leased));
  CHECK_FALSE(is_terminal(JobStatus::blocked));
  Error error = error_of([] { parse_job_status("finished"); });
  CHECK(error.code() == ExitCode::usage);
  CHECK_THAT(error.what(), Catch::Matchers::Contains("'finished'"));
}

TEST_CASE("Job::to_json writes the documented fields", "[queue][job]") {
  Job job;
  job.seq = 3;
  job.id = "0190a000-0000-7000-8000-000000000003";
  job.spec = parse(R"({"kind":"build","params":{"x":1},"queue":"ci","priority":"high","labels":{"chain":"c"},
                       "idempotency_key":"k1","max_attempts":4,"timeout":"90s","backoff":"1500ms",
                       "backoff_max":"1h","cost":"1.5","depends_on":["a-b"]})");
  job.status = JobStatus::leased;
  job.run_at = 0;
  job.created_at = 1'000;
  job.updated_at = 2'500;
  job.attempts = 2;
  job.worker = "w1";
  job.lease_token = "tok";
  job.lease_until = 61'000;

  SECTION("a leased job shows its lease") {
    const Json out = job.to_json();
    CHECK(out["id"] == job.id);
    CHECK(out["kind"] == "build");
    CHECK(out["queue"] == "ci");
    CHECK(out["status"] == "leased");
    CHECK(out["priority"] == 20);
    CHECK(out["params"] == Json{{"x", 1}});
    CHECK(out["labels"] == Json{{"chain", "c"}});
    CHECK(out["depends_on"] == Json::array({"a-b"}));
    CHECK(out["idempotency_key"] == "k1");
    CHECK(out["attempts"] == 2);
    CHECK(out["max_attempts"] == 4);
    CHECK(out["timeout"] == "90s");
    CHECK(out["backoff"] == "1500ms");
    CHECK(out["backoff_max"] == "1h");
    CHECK(out["cost"] == "1.5000");
    CHECK(out["run_at"] == "1970-01-01T00:00:00.000Z");
    CHECK(out["created_at"] == "1970-01-01T00:00:01.000Z");
    CHECK(out["updated_at"] == "1970-01-01T00:00:02.500Z");
    CHECK(out["worker"] == "w1");
    CHECK(out["lease_token"] == "tok");
    CHECK(out["lease_until"] == "1970-01-01T00:01:01.000Z");
    CHECK(out["error"].is_null());
    CHECK(out["result"].is_null());
    CHECK(out["result_hash"].is_null());
    CHECK(out["finished_at"].is_null());
    CHECK_FALSE(out.contains("seq"));
  }
  SECTION("a finished job hides the lease and shows its result") {
    job.status = JobStatus::done;
    job.result = R"({"ok":true})";
    job.result_hash = "abc";
    job.finished_at = 3'000;
    job.spec.cost.reset();
    job.spec.idempotency_key.reset();
    const Json out = job.to_json();
    CHECK(out["status"] == "done");
    CHECK_FALSE(out.contains("lease_token"));
    CHECK_FALSE(out.contains("lease_until"));
    CHECK(out["result"] == Json{{"ok", true}});
    CHECK(out["result_hash"] == "abc");
    CHECK(out["finished_at"] == "1970-01-01T00:00:03.000Z");
    CHECK(out["cost"].is_null());
    CHECK(out["idempotency_key"].is_null());
  }
}

TEST_CASE("job_from_json reads back what Job::to_json writes", "[queue][job]") {
  Job job;
  job.id = "0190a000-0000-7000-8000-000000000004";
  job.spec = parse(R"({"kind":"build","params":{"x":[1,2]},"queue":"ci","priority":"low","labels":{"payer":"p"},
                       "idempotency_key":"k2","max_attempts":3,"timeout":"2m","backoff":"250ms",
                       "backoff_max":"10m","cost":"0.0001","depends_on":["a","b"]})");
  job.status = JobStatus::leased;
  job.run_at = 5'000;
  job.created_at = 1'000;
  job.updated_at = 6'000;
  job.attempts = 1;
  job.worker = "remote-1";
  job.lease_token = "lease-7";
  job.lease_until = 65'000;
  job.error = "timeout";
  job.source = sheratan::JobSource::api;
  const Json line = job.to_json();
  const Job back = sheratan::job_from_json(line);
  CHECK(back.to_json() == line);
  CHECK(back.spec.timeout_ms == 120'000);
  CHECK(back.spec.cost == job.spec.cost);
  CHECK(back.lease_token == "lease-7");
  CHECK(back.lease_until == 65'000);

  Json broken = line;
  broken.erase("kind");
  CHECK_THAT(error_of([&] { sheratan::job_from_json(broken); }).what(), Catch::Matchers::Contains("'kind'"));
  broken = line;
  broken["attempts"] = "1";
  const Error error = error_of([&] { sheratan::job_from_json(broken); });
  CHECK(error.code() == ExitCode::bad_input);
  CHECK_THAT(error.what(), Catch::Matchers::Contains("'attempts' must be an integer"));
  broken = line;
  broken["depends_on"] = Json::array({1});
  CHECK_THAT(error_of([&] { sheratan::job_from_json(broken); }).what(),
             Catch::Matchers::Contains("'depends_on' must be an array"));
}

TEST_CASE("Job::append_json_text writes the text of to_json().dump()", "[queue][job]") {
  Job job;
  job.id = "0190a000-0000-7000-8000-000000000005";
  job.spec = parse(R"({"kind":"build","params":{"x":[1,2.5,null],"s":"a\"b\\c\n\u00e9\u2603"},"queue":"ci",
                       "priority":"high","labels":{"payer":"p","chain":"c-1"},"idempotency_key":"k\u00e9",
                       "max_attempts":3,"timeout":"2m","backoff":"250ms","backoff_max":"10m","cost":"12.0001",
                       "depends_on":["a","b\"q"]})");
  job.run_at = 5'000;
  job.created_at = 1'000;
  job.updated_at = 6'000;
  job.attempts = 2;
  auto same = [](const Job& j) {
    std::string text = "prefix:";
    j.append_json_text(text);
    CHECK(text == "prefix:" + j.to_json().dump());
  };
  SECTION("leased, with a lease, cost, key and dependencies") {
    job.status = JobStatus::leased;
    job.worker = "w\t1";
    job.lease_token = "lease-7";
    job.lease_until = 65'000;
    same(job);
  }
  SECTION("finished, with a result, an error and a gate report") {
    job.status = JobStatus::dead;
    job.result = R"({"ok":true,"n":[1,2],"t":"\u00fc"})";
    job.result_hash = "abc";
    job.error = "exit 3: \x01 bad";
    job.finished_at = 7'000;
    job.gate_report = R"({"verdict":"warn","reasons":["r"]})";
    job.source = sheratan::JobSource::followup;
    same(job);
  }
  SECTION("pending, with nothing optional") {
    job.status = JobStatus::pending;
    job.spec.cost.reset();
    job.spec.idempotency_key.reset();
    job.spec.depends_on.clear();
    job.spec.params = Json::object();
    job.spec.labels = Json::object();
    same(job);
  }
}

TEST_CASE("JobEvent::to_json writes the event fields", "[queue][job]") {
  sheratan::JobEvent event;
  event.id = 9;
  event.job_id = "j1";
  event.ts = 1'500;
  event.to = "ready";
  Json out = event.to_json();
  CHECK(out == Json{{"id", 9},
                    {"job", "j1"},
                    {"ts", "1970-01-01T00:00:01.500Z"},
                    {"from", nullptr},
                    {"to", "ready"},
                    {"worker", nullptr},
                    {"detail", nullptr}});
  event.from = "pending";
  event.worker = "w";
  event.detail = "due";
  out = event.to_json();
  CHECK(out["from"] == "pending");
  CHECK(out["worker"] == "w");
  CHECK(out["detail"] == "due");
}
