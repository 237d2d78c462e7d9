// Benchmarks of sheratan-probe and sheratan-state: one probe round over 1,000 hosts on
// loopback, the same with 100 hosts that never answer, how soon `state watch` prints
// and `state wait` exits after another process makes the transition (and that an
// idle waiter stays idle). Figures only; no timed assertions.
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <uv.h>

#include <thread>

#include "bench_support.hpp"
#include "probe/registry.hpp"
#include "state/state_machine.hpp"
#include "store/wakeup.hpp"

using namespace sheratan;
using namespace sheratan::bench;

namespace {

/// A minimal HTTP server on its own thread and loop: answers every request with 200.
class LoopbackServer {
 public:
  LoopbackServer() {
    uv_loop_init(&loop_);
    uv_tcp_init(&loop_, &server_);
    server_.data = this;
    sockaddr_in address{};
    uv_ip4_addr("127.0.0.1", 0, &address);
    uv_tcp_bind(&server_, reinterpret_cast<const sockaddr*>(&address), 0);
    uv_listen(reinterpret_cast<uv_stream_t*>(&server_), 4096, &LoopbackServer::on_connection);
    int length = sizeof address;
    uv_tcp_getsockname(&server_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { uv_run(&loop_, UV_RUN_DEFAULT); });
    thread_.detach();  // it serves until the benchmark exits
  }
  int port() const { return port_; }

 private:
  static void on_connection(uv_stream_t* server, int status) {
    if (status < 0) return;
    auto* client = new uv_tcp_t;
    uv_tcp_init(server->loop, client);
    if (uv_accept(server, reinterpret_cast<uv_stream_t*>(client)) != 0) {
      uv_close(reinterpret_cast<uv_handle_t*>(client), [](uv_handle_t* h) { delete reinterpret_cast<uv_tcp_t*>(h); });
      return;
    }
    uv_read_start(
        reinterpret_cast<uv_stream_t*>(client),
        [](uv_handle_t*, std::size_t, uv_buf_t* buf) {
          static char buffer[4096];
          *buf = uv_buf_init(buffer, sizeof buffer);
        },
        [](uv_stream_t* stream, ssize_t n, const uv_buf_t*) {
          auto close = [](uv_handle_t* h) { delete reinterpret_cast<uv_tcp_t*>(h); };
          if (n < 0) {
            uv_close(reinterpret_cast<uv_handle_t*>(stream), close);
            return;
          }
          static char reply[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
          uv_read_stop(stream);
          auto* write = new uv_write_t;
          uv_buf_t buf = uv_buf_init(reply, sizeof reply - 1);
          uv_write(write, stream, &buf, 1, [](uv_write_t* req, int) {
            uv_close(reinterpret_cast<uv_handle_t*>(req->handle),
                     [](uv_handle_t* h) { delete reinterpret_cast<uv_tcp_t*>(h); });
            delete req;
          });
        });
  }

  uv_loop_t loop_{};
  uv_tcp_t server_{};
  int port_ = 0;
  std::thread thread_;
};

/// A socket that listens and never accepts: connections complete, nothing answers.
int silent_listener() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  ::listen(fd, 4096);
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  return ntohs(address.sin_port);
}

double probe_round(const std::string& tool, const fs::path& db, int healthy_port, int healthy, int silent_port,
                   int silent) {
  auto store = fresh_store(db);
  SystemClock clock;
  HostRegistry registry(*store, clock);
  store->write([&] {
    for (int i = 0; i < healthy + silent; ++i) {
      HostSpec spec;
      spec.name = "h" + std::to_string(i);
      spec.url = "http://127.0.0.1:" + std::to_string(i < healthy ? healthy_port : silent_port);
      registry.add(spec);
    }
  });
  auto start = std::chrono::steady_clock::now();
  pid_t pid = spawn({tool, "--db", db.string(), "run", "--once", "--timeout", "1s", "-q"}, nullptr, nullptr);
  int status = wait_child(pid);
  double elapsed = seconds_since(start);
  if (status != 0) std::fprintf(stderr, "sheratan-probe exited %d\n", status);
  return elapsed;
}

struct WakeTimes {
  std::vector<double> printed, exited;  // ms from the transition's start
};

/// How soon `state wait` prints the transition another process made, and exits.
WakeTimes wake_latencies(const std::string& tool, const fs::path& db, int rounds) {
  auto store = fresh_store(db);
  SystemClock clock;
  StateMachine machine(*store, clock);
  WakeTimes times;
  for (int i = 0; i < rounds; ++i) {
    const SystemState target = i % 2 ? SystemState::operational : SystemState::paused;
    int out[2];
    if (pipe(out) != 0) std::exit(1);
    pid_t pid = spawn({tool, "--db", db.string(), "wait", std::string(to_string(target)), "--timeout", "30s"}, nullptr,
                      nullptr, out[1]);
    close(out[1]);
    wait_for_watch(pid);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // let it settle into its wait
    auto start = std::chrono::steady_clock::now();
    machine.transition({target, "bench", "bench", Json::object(), std::nullopt});
    LineReader(out[0]).skip_line();
    times.printed.push_back(seconds_since(start) * 1000);
    wait_child(pid);
    times.exited.push_back(seconds_since(start) * 1000);
    close(out[0]);
  }
  std::sort(times.printed.begin(), times.printed.end());
  std::sort(times.exited.begin(), times.exited.end());
  return times;
}

/// How soon a running `state watch` prints a transition another process made: the
/// wake-up itself, without the waiter's exit.
std::vector<double> watch_latencies(const std::string& tool, const fs::path& db, int rounds) {
  auto store = fresh_store(db);
  SystemClock clock;
  StateMachine machine(*store, clock);
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) std::exit(1);
  pid_t pid = spawn({tool, "--db", db.string(), "watch"}, nullptr, nullptr, pipe_fds[1]);
  close(pipe_fds[1]);
  wait_for_watch(pid);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // let it settle into its wait
  std::vector<double> ms;
  LineReader lines(pipe_fds[0]);
  for (int i = 0; i < rounds; ++i) {
    const SystemState target = i % 2 ? SystemState::operational : SystemState::paused;
    auto start = std::chrono::steady_clock::now();
    machine.transition({target, "bench", "bench", Json::object(), std::nullopt});
    if (!lines.skip_line()) std::exit(1);
    ms.push_back(seconds_since(start) * 1000);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // idle again between rounds
  }
  kill(pid, SIGTERM);
  wait_child(pid);
  close(pipe_fds[0]);
  std::sort(ms.begin(), ms.end());
  return ms;
}

std::uint64_t idle_checks(const fs::path& db) {
  auto store = fresh_store(db);
  SystemClock clock;
  StoreWaiter waiter(*store);
  waiter.wait([] { return WaitCheck{}; }, monotonic_millis() + 1000, clock);
  return waiter.checks_run();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: bench-probe BIN_DIR WORK_DIR\n");
    return 2;
  }
  const std::string probe = fs::absolute(fs::path(argv[1]) / "sheratan-probe").string();
  const std::string state = fs::absolute(fs::path(argv[1]) / "sheratan-state").string();
  const fs::path dir = argv[2];
  fs::create_directories(dir);
  rlimit files{};
  getrlimit(RLIMIT_NOFILE, &files);
  files.rlim_cur = files.rlim_max;
  setrlimit(RLIMIT_NOFILE, &files);
  std::printf("sheratan-probe and sheratan-state benchmarks in %s\n\n", dir.c_str());

  LoopbackServer server;
  const int silent = silent_listener();
  const double all_up = probe_round(probe, dir / "probe.db", server.port(), 1000, silent, 0);
  report("probe run --once, 1,000 hosts on loopback", fmt(all_up * 1000, "ms"), "", "≤ 1 s");
  const double some_silent = probe_round(probe, dir / "probe.db", server.port(), 900, silent, 100);
  report("the same, 100 of them silent, --timeout 1s", fmt(some_silent * 1000, "ms"),
         "one after another: 100 × 2.5 s = 250 s", "≤ 1.5 s");

  auto wakes = wake_latencies(state, dir / "state.db", 40);
  auto watched = watch_latencies(state, dir / "watch.db", 40);
  report("state watch prints a transition (median)", fmt(quantile(watched, 0.5), "ms"), "commit included", "≤ 5 ms");
  report("state watch prints a transition (p95)", fmt(quantile(watched, 0.95), "ms"), "", "≤ 5 ms");
  report("state wait prints the transition (median)", fmt(quantile(wakes.printed, 0.5), "ms"), "commit included",
         "≤ 5 ms");
  report("state wait prints the transition (p95)", fmt(quantile(wakes.printed, 0.95), "ms"), "", "≤ 5 ms");
  report("state wait exits after a transition (median)", fmt(quantile(wakes.exited, 0.5), "ms"),
         "the kernel's inotify teardown included", "");
  report("state wait exits after a transition (p95)", fmt(quantile(wakes.exited, 0.95), "ms"), "", "");
  report("checks by an idle waiter in 1 s", std::to_string(idle_checks(dir / "idle.db")),
         "the first look and the one at the deadline", "no wake-ups");
  print_table();
  return 0;
}
