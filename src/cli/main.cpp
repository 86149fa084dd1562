// `lithops`: the command line tool. Also a Lithops program: `hello` runs its calls on workers
// spawned from this same executable.
#include <CLI/CLI.hpp>

#include <iostream>

#include "cli/commands.hpp"
#include "lithops/lithops.hpp"

namespace {

void add_common(CLI::App& cmd, lithops::cli::CommonOptions& o) {
  cmd.add_option("-c,--config", o.config_file, "YAML configuration file");
  cmd.add_option("-b,--backend", o.backend, "compute backend");
  cmd.add_option("-s,--storage", o.storage, "storage backend");
  cmd.add_flag("-d,--debug", o.debug, "debug logging");
}

}  // namespace

int main(int argc, char** argv) {
  lithops::init(argc, argv);
  CLI::App app{"Lithops C++: run C++ functions at scale"};
  app.set_version_flag("--version", std::string("lithops ") + lithops::version());
  app.require_subcommand(1);
  lithops::cli::CommonOptions opts;
  add_common(app, opts);  // before the subcommand (`lithops -c f.yaml hello`) or after it

  std::size_t map_calls = 0;
  auto* hello = app.add_subcommand("hello", "Run a hello function through the configured backend");
  add_common(*hello, opts);
  hello->add_option("-m,--map", map_calls, "run a map of N calls instead of one call");

  bool schema = false;
  auto* config = app.add_subcommand("config", "Print the effective configuration");
  add_common(*config, opts);
  config->add_flag("--keys", schema, "list every configuration key with its default, choices and meaning");

  auto* clean = app.add_subcommand("clean", "Remove Lithops' temporary data from storage");
  add_common(*clean, opts);

  CLI11_PARSE(app, argc, argv);
  try {
    if (*hello) return lithops::cli::hello(opts, map_calls);
    if (*config) return lithops::cli::show_config(opts, schema);
    if (*clean) return lithops::cli::clean(opts);
  } catch (const std::exception& e) {
    // Lithops' own messages already start with "lithops"; others get the prefix.
    std::string what = e.what();
    std::cerr << (what.rfind("lithops", 0) == 0 ? "" : "lithops: ") << what << '\n';
    return 1;
  }
  return 0;
}
