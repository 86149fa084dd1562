// AWS Lambda backend figures (issue "Serverless: an AWS Lambda compute backend"), on the test
// servers of tests/servers/up.sh DIR (moto for S3 and Lambda's control plane) plus a fleet of
// AWS's Lambda Runtime Interface Emulators that this program starts from its own package:
//   invoke   N asynchronous invocations from one client (the invoker, over kept-alive
//            connections) against a local endpoint that accepts each at once with 202 (nginx),
//            invocations/s and the client's CPU ms per 1,000
//   map      a map of 1,000 no-op calls through the emulator fleet, map() to last result,
//            alternating with the same map on the localhost backend in the same run
//   cold     program start to first invocation served under the emulator (cold), next to a
//            second invocation of the same environment (warm)
// usage: lambda_bench --servers DIR [invoke|map|cold ...] [--invocations N] [--rounds R] [--fleet F]
// Every figure is printed next to its peer from the same run: the machine's speed cancels.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <lithops/lithops.hpp>
#include <mutex>
#include <string>
#include <vector>

#include "cloud/aws/aws_http.hpp"
#include "compute/aws_lambda/lambda_invoker.hpp"
#include "compute/aws_lambda/package.hpp"
#include "compute/remote/agent_protocol.hpp"
#include "core/build_id.hpp"

namespace {

using Clock = std::chrono::steady_clock;
double secs(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

std::string g_servers, g_scripts;
int g_invocations = 20000, g_rounds = 3, g_fleet = 4;
constexpr int kPort = 9400;

int noop(int x) { return x; }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
}

struct Moto {
  std::string endpoint, key, secret, role;
};

Moto moto() {
  Moto m;
  std::ifstream in(g_servers + "/moto/credentials");
  for (std::string line; std::getline(in, line);) {
    auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string k = line.substr(0, eq), v = line.substr(eq + 1);
    if (k == "AWS_ACCESS_KEY_ID") m.key = v;
    if (k == "AWS_SECRET_ACCESS_KEY") m.secret = v;
    if (k == "AWS_ENDPOINT_URL") m.endpoint = v;
  }
  std::ifstream(g_servers + "/moto/role_arn") >> m.role;
  return m;
}

std::string fleet_dir() { return g_servers + "/lambda-bench"; }

// The fleet runs this program from its own package, unzipped as Lambda would.
void start_fleet(int n) {
  const std::string task = fleet_dir() + "-task";
  std::filesystem::remove_all(task);
  std::filesystem::create_directories(task);
  auto pkg = lithops::detail::lambda::build_package(lithops::detail::self_executable());
  const std::string zip = task + ".zip";
  std::ofstream(zip, std::ios::binary) << pkg.zip;
  const Moto m = moto();
  std::string cmd = "cd '" + task + "' && python3 -c 'import zipfile,sys,os\nz=zipfile.ZipFile(sys.argv[1])\n"
                    "for i in z.infolist():\n  p=z.extract(i)\n  os.chmod(p,(i.external_attr>>16)&0o777)' '" +
                    zip + "' && env LAMBDA_TASK_ROOT='" + task + "' AWS_ACCESS_KEY_ID='" + m.key +
                    "' AWS_SECRET_ACCESS_KEY='" + m.secret + "' AWS_LAMBDA_FUNCTION_TIMEOUT=300 bash '" + g_scripts +
                    "/lambda-fleet-up.sh' '" + fleet_dir() + "' " + std::to_string(n) + " '" + task + "/bootstrap' " +
                    std::to_string(kPort) + " >/dev/null";
  if (std::system(cmd.c_str()) != 0) {
    std::fprintf(stderr, "lambda_bench: cannot start the fleet\n");
    std::exit(1);
  }
}

void stop_fleet() { std::system(("bash '" + g_scripts + "/lambda-fleet-down.sh' '" + fleet_dir() + "'").c_str()); }

lithops::Config lambda_config(const std::string& bucket) {
  const Moto m = moto();
  lithops::Config c;
  c.set("lithops.log_level", "WARNING");
  c.set("lithops.progress_bar", false);
  c.set("lithops.backend", "aws_lambda");
  c.set("lithops.storage", "aws_s3");
  c.set("aws_s3.endpoint", m.endpoint);
  c.set("aws_s3.region", "us-east-1");
  c.set("aws_s3.access_key_id", m.key);
  c.set("aws_s3.secret_access_key", m.secret);
  c.set("aws_s3.storage_bucket", bucket);
  c.set("aws.access_key_id", m.key);
  c.set("aws.secret_access_key", m.secret);
  c.set("aws.region", "us-east-1");
  c.set("aws_lambda.endpoint", "http://127.0.0.1:" + std::to_string(kPort));
  c.set("aws_lambda.execution_role", m.role);
  c.set("aws_lambda.namespace", "bench");
  c.set("aws_lambda.max_workers", g_fleet);
  c.set("aws_lambda.runtime_timeout", 300);
  c.set("aws_lambda.idle_timeout", 2.0);  // a round's agents leave soon after its executor
  return c;
}

// ---- invoke ----
void bench_invoke() {
  const Moto m = moto();
  lithops::detail::aws::ServiceEndpoint ep{"http://127.0.0.1:" + std::to_string(kPort), "us-east-1", "lambda", m.key,
                                           m.secret, "", 10000};
  const std::string payload = R"({"pool":"bench","agent_id":"0-0","storage_config":"","workers":1})";
  std::vector<double> rates, cpu_per_1000;
  for (int r = 0; r < g_rounds; ++r) {
    lithops::detail::lambda::Invoker invoker(ep, "lithops-bench-sink", 64, 30, 30);
    std::mutex mu;
    std::condition_variable cv;
    int done = 0, accepted = 0;
    const double cpu0 = cpu_seconds();
    const auto t0 = Clock::now();
    for (int i = 0; i < g_invocations; ++i)
      invoker.invoke(payload, [&](const lithops::detail::lambda::Invoker::Result& res) {
        std::lock_guard lock(mu);
        ++done;
        accepted += res.response.status == 202;
        if (done == g_invocations) cv.notify_one();
      });
    {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return done == g_invocations; });
    }
    const double t = secs(Clock::now() - t0), cpu = cpu_seconds() - cpu0;
    rates.push_back(g_invocations / t);
    cpu_per_1000.push_back(cpu * 1e3 / (g_invocations / 1000.0));
    std::printf("  round %d: %d invocations (%d accepted) in %.3f s: %.0f/s, client CPU %.1f ms per 1,000\n", r + 1,
                g_invocations, accepted, t, g_invocations / t, cpu_per_1000.back());
  }
  std::printf("invoke: median %.0f invocations/s (target >= 2,000: %s), client CPU %.1f ms per 1,000 invocations\n",
              median(rates), median(rates) >= 2000 ? "met" : "NOT met", median(cpu_per_1000));
}

// ---- map ----
void bench_map() {
  std::vector<int> in(1000);
  for (int i = 0; i < 1000; ++i) in[static_cast<std::size_t>(i)] = i;
  std::vector<double> lambda_s, local_s;
  for (int r = 0; r < g_rounds; ++r) {
    for (int which = 0; which < 2; ++which) {
      const bool lambda_first = r % 2 == 0;
      const bool lambda = (which == 0) == lambda_first;
      lithops::Config c = lambda ? lambda_config("lithops-bench") : lithops::Config{};
      if (!lambda) c.set("lithops.log_level", "WARNING").set("lithops.progress_bar", false);
      lithops::FunctionExecutor fexec(c);
      fexec.get_result(fexec.map(noop, std::vector<int>(8, 0)));  // deploy / start workers first
      const auto t0 = Clock::now();
      auto out = fexec.get_result(fexec.map(noop, in));
      const double t = secs(Clock::now() - t0);
      if (out != in) std::fprintf(stderr, "lambda_bench: wrong results\n"), std::exit(1);
      (lambda ? lambda_s : local_s).push_back(t);
      std::printf("  round %d %-10s 1,000 no-op calls: %.3f s\n", r + 1, lambda ? "aws_lambda" : "localhost", t);
    }
  }
  std::printf("map: 1,000 no-op calls, map() to last result: aws_lambda (%d emulated environments) %.3f s, "
              "localhost %.3f s (ratio %.1f x)\n",
              g_fleet, median(lambda_s), median(local_s), median(lambda_s) / median(local_s));
}

// ---- cold ----
// One environment of its own; each invocation runs an agent that finds no work and leaves at
// once (idle_timeout 0), so the answer time is the runtime's start (cold) or nothing (warm) plus
// the same few storage requests.
void bench_cold() {
  const Moto m = moto();
  lithops::detail::aws::ServiceEndpoint ep{"http://127.0.0.1:" + std::to_string(kPort), "us-east-1", "lambda", m.key,
                                           m.secret, "", 10000};
  lithops::Config c = lambda_config("lithops-bench");
  lithops::Storage storage(c);
  if (!storage.bucket_exists("lithops-bench")) storage.create_bucket("lithops-bench");
  std::vector<double> cold, warm;
  for (int r = 0; r < g_rounds; ++r) {
    stop_fleet();
    start_fleet(1);
    lithops::detail::AgentSpec spec;
    spec.pool = "bench-cold";
    spec.storage_config = "lithops:\n  storage: aws_s3\naws_s3:\n  endpoint: " + m.endpoint +
                          "\n  region: us-east-1\n  storage_bucket: lithops-bench\n";
    spec.idle_timeout = 0;
    spec.build_id = lithops::detail::build_id();
    spec.delete_beat_on_exit = true;
    for (int k = 0; k < 2; ++k) {
      spec.agent_id = "cold-" + std::to_string(r) + "-" + std::to_string(k);
      const auto t0 = Clock::now();
      auto resp = lithops::detail::aws::send(ep, "POST", "/2015-03-31/functions/bench/invocations", spec.to_json());
      const double ms = secs(Clock::now() - t0) * 1e3;
      if (resp.status != 200) {
        std::fprintf(stderr, "lambda_bench: invocation answered %s\n", lithops::detail::aws::describe(resp).c_str());
        std::exit(1);
      }
      (k == 0 ? cold : warm).push_back(ms);
    }
    std::printf("  round %d: first invocation (cold) %.1f ms, second (warm) %.1f ms\n", r + 1, cold.back(), warm.back());
  }
  std::printf("cold: program start to first invocation served %.1f ms (warm invocation of the same environment: "
              "%.1f ms; cold start costs %.1f ms)\n",
              median(cold), median(warm), median(cold) - median(warm));
}

}  // namespace

int main(int argc, char** argv) {
  lithops::init(argc, argv);
  std::vector<std::string> what;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (a == "--servers") g_servers = next();
    else if (a == "--invocations") g_invocations = std::stoi(next());
    else if (a == "--rounds") g_rounds = std::stoi(next());
    else if (a == "--fleet") g_fleet = std::stoi(next());
    else what.push_back(a);
  }
  if (g_servers.empty()) {
    std::fprintf(stderr, "usage: lambda_bench --servers DIR [invoke|map|cold ...] (after tests/servers/up.sh DIR)\n");
    return 2;
  }
  g_scripts = LITHOPS_SERVERS_SCRIPTS;
  if (what.empty()) what = {"invoke", "map", "cold"};
  std::printf("lambda_bench on %ld CPUs\n", sysconf(_SC_NPROCESSORS_ONLN));
  start_fleet(g_fleet);
  for (const auto& w : what) {
    if (w == "invoke") bench_invoke();
    else if (w == "map") bench_map();
    else if (w == "cold") bench_cold();
    else std::fprintf(stderr, "lambda_bench: unknown figure '%s'\n", w.c_str());
  }
  stop_fleet();
  return 0;
}
