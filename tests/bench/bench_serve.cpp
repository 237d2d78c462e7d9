// sheratan-serve benchmarks, load from the same machine over loopback. Each figure is
// printed beside a baseline measured in the same run.
//
//   bench-serve BIN_DIR WORK_DIR
//
// The client is a small HTTP/1.1 keep-alive driver on epoll, one thread for all its
// connections, so that the client costs the shared cores as little as it can. Every
// loop is bounded by a count or a few seconds.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <cstring>
#include <stdexcept>

#include "bench_support.hpp"
#include "cli/timestamp.hpp"
#include "json/jsonl.hpp"
#include "queue/queue.hpp"

using namespace sheratan;
using namespace sheratan::bench;

namespace {

/// One keep-alive connection: sends a request, reads its whole response, again.
struct Connection {
  int fd = -1;
  std::string in;
  std::size_t sent = 0;
  int last_status = 0;

  /// True when `in` holds a whole response; removes it and keeps its status.
  bool take_response() {
    auto end = in.find("\r\n\r\n");
    if (end == std::string::npos) return false;
    std::size_t length = 0;
    auto at = in.find("Content-Length: ");
    if (at != std::string::npos && at < end) length = std::stoul(in.substr(at + 16));
    if (in.size() < end + 4 + length) return false;
    last_status = std::stoi(in.substr(9, 3));
    in.erase(0, end + 4 + length);
    return true;
  }
};

int connect_to(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) throw std::runtime_error("connect");
  int yes = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
  return fd;
}

void send_all(int fd, const std::string& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n <= 0) throw std::runtime_error("send");
    done += static_cast<std::size_t>(n);
  }
}

struct LoadResult {
  std::uint64_t responses = 0, errors = 0;
  double seconds = 0;
  double rate() const { return static_cast<double>(responses) / seconds; }
};

/// Drives `connections` keep-alive connections, each sending `request` again as soon as
/// its answer is in, until `max_requests` answers or `max_seconds` have passed.
LoadResult drive(int port, int connections, const std::string& request, std::uint64_t max_requests,
                 double max_seconds) {
  std::vector<Connection> conns(static_cast<std::size_t>(connections));
  int poll = epoll_create1(0);
  for (std::size_t i = 0; i < conns.size(); ++i) {
    conns[i].fd = connect_to(port);
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = i;
    epoll_ctl(poll, EPOLL_CTL_ADD, conns[i].fd, &event);
  }
  LoadResult result;
  std::uint64_t sent = 0;
  auto start = std::chrono::steady_clock::now();
  for (auto& conn : conns)
    if (sent < max_requests) {
      send_all(conn.fd, request);
      ++sent;
    }
  std::vector<epoll_event> events(conns.size());
  char buffer[65536];
  while (result.responses < sent) {
    int ready = epoll_wait(poll, events.data(), static_cast<int>(events.size()), 10'000);
    if (ready <= 0) break;
    for (int e = 0; e < ready; ++e) {
      Connection& conn = conns[events[static_cast<std::size_t>(e)].data.u64];
      ssize_t n = recv(conn.fd, buffer, sizeof buffer, 0);
      if (n <= 0) throw std::runtime_error("the server closed a connection");
      conn.in.append(buffer, static_cast<std::size_t>(n));
      while (conn.take_response()) {
        ++result.responses;
        if (conn.last_status >= 300) ++result.errors;
        if (sent < max_requests && seconds_since(start) < max_seconds) {
          send_all(conn.fd, request);
          ++sent;
        }
      }
    }
  }
  result.seconds = seconds_since(start);
  for (auto& conn : conns)
    close(conn.fd);
  close(poll);
  return result;
}

std::string post(const std::string& path, const std::string& body, const char* type = "application/json") {
  return "POST " + path + " HTTP/1.1\r\nHost: b\r\nContent-Type: " + type +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

/// Starts sheratan-serve on a free port; returns its pid and port.
std::pair<pid_t, int> start_server(const std::string& tool, const fs::path& db, int threads = 72) {
  int out[2];
  if (pipe(out) != 0) throw std::runtime_error("pipe");
  pid_t pid = spawn({tool, "--db", db.string(), "--listen", "127.0.0.1:0", "--threads", std::to_string(threads)},
                    nullptr, nullptr, out[1]);
  close(out[1]);
  std::string line;
  char c = 0;
  while (read(out[0], &c, 1) == 1 && c != '\n')
    line += c;
  close(out[0]);
  auto listen = Json::parse(line).at("listen").get<std::string>();
  return {pid, std::stoi(listen.substr(listen.rfind(':') + 1))};
}

void stop_server(pid_t pid) {
  kill(pid, SIGTERM);
  wait_child(pid);
}

double local_single_pushes_per_second(const fs::path& dir, int count) {
  auto store = fresh_store(dir / "local.db");
  SystemClock clock;
  JobQueue queue(*store, clock);
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < count; ++i) {
    JobSpec spec;
    spec.kind = "bench";
    spec.queue = "default";
    spec.params = Json{{"n", i}};
    queue.push({{spec, 0}}, std::nullopt);
  }
  return count / seconds_since(start);
}

/// Latencies in ms of `count` GET /v1/stats, one after another on one connection.
std::vector<double> stats_latencies(int port, int count) {
  Connection conn;
  conn.fd = connect_to(port);
  const std::string request = "GET /v1/stats HTTP/1.1\r\nHost: b\r\n\r\n";
  std::vector<double> ms;
  char buffer[65536];
  for (int i = 0; i < count; ++i) {
    auto start = std::chrono::steady_clock::now();
    send_all(conn.fd, request);
    while (!conn.take_response()) {
      ssize_t n = recv(conn.fd, buffer, sizeof buffer, 0);
      if (n <= 0) throw std::runtime_error("the server closed a connection");
      conn.in.append(buffer, static_cast<std::size_t>(n));
    }
    ms.push_back(seconds_since(start) * 1000);
  }
  close(conn.fd);
  std::sort(ms.begin(), ms.end());
  return ms;
}

/// Opens `count` event streams and returns their sockets once every one is open.
std::vector<int> open_event_streams(int port, int count) {
  std::vector<int> fds;
  for (int i = 0; i < count; ++i) {
    int fd = connect_to(port);
    send_all(fd, "GET /v1/events HTTP/1.1\r\nHost: b\r\n\r\n");
    fds.push_back(fd);
  }
  char buffer[4096];
  for (int fd : fds) {
    std::string in;
    while (in.find(": open") == std::string::npos) {
      ssize_t n = recv(fd, buffer, sizeof buffer, 0);
      if (n <= 0) throw std::runtime_error("an event stream closed");
      in.append(buffer, static_cast<std::size_t>(n));
    }
  }
  return fds;
}

/// Jobs per second of `sheratan-worker --drain --concurrency 4` over `jobs` noop jobs:
/// on the store at db, or through the server at url when one is given.
double worker_drain_rate(const std::string& worker, const fs::path& db, int jobs, const std::string& url) {
  std::vector<std::string> args{worker, "--drain", "--quiet", "--concurrency", "4"};
  if (url.empty()) {
    push_jobs(db, "noop", jobs);
    args.insert(args.end(), {"--db", db.string()});
  } else {
    args.insert(args.end(), {"--server", url});
  }
  auto start = std::chrono::steady_clock::now();
  if (wait_child(spawn(args, nullptr, nullptr)) != 0) std::fprintf(stderr, "bench-serve: the worker failed\n");
  const double seconds = seconds_since(start);
  if (done_jobs(db) != jobs) {
    std::fprintf(stderr, "bench-serve: only %lld of %d jobs done; no figure\n", static_cast<long long>(done_jobs(db)),
                 jobs);
    return 0;
  }
  return jobs / seconds;
}

std::string job_lines(int count) {
  std::string body;
  for (int i = 0; i < count; ++i)
    body += "{\"kind\":\"bench\",\"params\":{\"n\":" + std::to_string(i) + "}}\n";
  return body;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: bench-serve BIN_DIR WORK_DIR\n");
    return 2;
  }
  const std::string tool = fs::absolute(fs::path(argv[1]) / "sheratan-serve").string();
  const std::string worker = fs::absolute(fs::path(argv[1]) / "sheratan-worker").string();
  const fs::path dir = argv[2];
  fs::create_directories(dir);
  // The posted jobs are of kind "bench", which admission gate G2 admits only when named;
  // a refused POST is a 400 and must not count as a pushed job.
  setenv("SHERATAN_GATES_KINDS", "bench", 1);
  std::printf("sheratan-serve benchmarks (synchronous=FULL, WAL, loopback) in %s\n\n", dir.c_str());
  const double raw_batch = raw_batched_inserts_per_second(dir);
  report("raw SQLite: batched inserts", fmt(raw_batch, "rows/s"), "baseline", "");

  fresh_store(dir / "serve.db");
  auto [pid, port] = start_server(tool, dir / "serve.db");
  drive(port, 8, "GET /healthz HTTP/1.1\r\nHost: b\r\n\r\n", 2000, 2);  // warm the threads
  auto health = drive(port, 64, "GET /healthz HTTP/1.1\r\nHost: b\r\n\r\n", 2'000'000, 3);
  report("GET /healthz, 64 connections", fmt(health.rate(), "req/s"),
         std::to_string(health.errors) + " errors in " + std::to_string(health.responses), "≥ 20,000 req/s");

  const int batch = 1000, batches = 100;
  auto batched = drive(port, 2, post("/v1/jobs", job_lines(batch), "application/x-ndjson"),
                       static_cast<std::uint64_t>(batches), 30);
  if (batched.errors > 0 || batched.responses == 0) {
    std::fprintf(stderr, "bench-serve: %llu of the batched POSTs failed; no figure\n",
                 static_cast<unsigned long long>(batched.errors));
    return 1;
  }
  const double jobs_per_s = batched.rate() * batch;
  report("POST /v1/jobs, batches of 1,000 (2 connections)", fmt(jobs_per_s, "jobs/s"),
         fmt(jobs_per_s / raw_batch, "× raw batched inserts"), "≥ 50,000 jobs/s");

  const int singles = 300;
  const double local = local_single_pushes_per_second(dir, singles);
  auto one = drive(port, 1, post("/v1/jobs", R"({"kind":"bench","params":{"n":1}})"), singles, 30);
  if (one.errors > 0 || one.responses == 0) {
    std::fprintf(stderr, "bench-serve: %llu of the single-job POSTs failed; no figure\n",
                 static_cast<unsigned long long>(one.errors));
    return 1;
  }
  report("local push, 1 job per transaction", fmt(local, "jobs/s"), "baseline", "");
  report("POST /v1/jobs, 1 job per request", fmt(one.rate(), "jobs/s"), fmt(local / one.rate(), "× slower than local"),
         "≤ 2× of local");
  stop_server(pid);

  // A remote worker against a local one, both --concurrency 4 on noop jobs: what the
  // HTTP rounds (one POST /v1/work per batch of results and claims) cost.
  const int work = 20'000;
  const double local_worker = worker_drain_rate(worker, dir / "local-work.db", work, "");
  push_jobs(dir / "remote-work.db", "noop", work);
  auto [work_pid, work_port] = start_server(tool, dir / "remote-work.db");
  const double remote_worker =
      worker_drain_rate(worker, dir / "remote-work.db", work, "http://127.0.0.1:" + std::to_string(work_port));
  stop_server(work_pid);
  if (local_worker <= 0 || remote_worker <= 0) return 1;
  report("local worker --drain, 20,000 noop jobs, -c 4", fmt(local_worker, "jobs/s"), "baseline", "");
  report("remote worker --server, loopback, the same", fmt(remote_worker, "jobs/s"),
         fmt(remote_worker / local_worker, "× the local worker"), "≥ 0.5×");

  // Idle clients: each open event stream holds one server thread, blocked on the
  // change feed; they must cost the other requests nothing.
  const int idle = 1000;
  rlimit files{};
  getrlimit(RLIMIT_NOFILE, &files);
  files.rlim_cur = files.rlim_max;  // the server inherits it: a socket per client, 3 files per thread's store
  setrlimit(RLIMIT_NOFILE, &files);
  fresh_store(dir / "idle.db");  // what is measured is the idle clients' cost, not the stats query's
  auto [idle_pid, idle_port] = start_server(tool, dir / "idle.db", idle + 64);
  stats_latencies(idle_port, 200);  // warm up
  auto alone = stats_latencies(idle_port, 1000);
  auto streams = open_event_streams(idle_port, idle);
  auto beside = stats_latencies(idle_port, 1000);
  report("GET /v1/stats p99, no other clients", fmt(quantile(alone, 0.99), "ms"), "baseline", "");
  report("GET /v1/stats p99, 1,000 idle event streams open", fmt(quantile(beside, 0.99), "ms"),
         fmt(quantile(beside, 0.99) / quantile(alone, 0.99), "× without them"), "≤ 10 ms");
  for (int fd : streams)
    close(fd);
  stop_server(idle_pid);
  print_table();
  return 0;
}
