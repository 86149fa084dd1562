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

  // Lithops' storage commands; their -b is the storage backend.
  auto* storage = app.add_subcommand("storage", "Manage objects in the configured storage");
  storage->require_subcommand(1);
  std::string s_file, s_bucket, s_key, s_out, s_prefix;
  auto* put = storage->add_subcommand("put", "Upload a file (multipart when large)");
  add_common(*put, opts);
  put->add_option("filename", s_file, "local file")->required()->check(CLI::ExistingFile);
  put->add_option("bucket", s_bucket, "bucket")->required();
  put->add_option("-k,--key", s_key, "object key (default: the file's name)");
  auto* get = storage->add_subcommand("get", "Download an object");
  add_common(*get, opts);
  get->add_option("bucket", s_bucket, "bucket")->required();
  get->add_option("key", s_key, "object key")->required();
  get->add_option("-o,--out", s_out, "output file (default: the key's name; '-' for stdout)");
  auto* del = storage->add_subcommand("delete", "Delete an object, or every object under a prefix");
  add_common(*del, opts);
  del->add_option("bucket", s_bucket, "bucket")->required();
  del->add_option("key", s_key, "object key");
  del->add_option("-p,--prefix", s_prefix, "delete every key starting with this prefix");
  auto* list = storage->add_subcommand("list", "List the objects of a bucket");
  add_common(*list, opts);
  list->add_option("bucket", s_bucket, "bucket")->required();
  list->add_option("-p,--prefix", s_prefix, "only keys starting with this prefix");
  auto* mkbucket = storage->add_subcommand("mkbucket", "Create a bucket")->alias("create-bucket");
  add_common(*mkbucket, opts);
  mkbucket->add_option("bucket", s_bucket, "bucket")->required();

  // Lithops' runtime commands: here a runtime is a program built with lithops, published
  // under its build id for remote backends to fetch.
  auto* runtime = app.add_subcommand(
      "runtime", "Manage the runtimes (your executables) published in storage, or with -b aws_lambda its functions");
  runtime->require_subcommand(1);
  std::string r_executable;
  std::vector<std::string> r_ids;
  bool r_all = false;
  auto* deploy = runtime->add_subcommand("deploy", "Publish an executable built with lithops under its build id");
  add_common(*deploy, opts);
  deploy->add_option("executable", r_executable, "the program to publish")->check(CLI::ExistingFile);
  auto* rupdate = runtime->add_subcommand("update", "Deploy an executable again, replacing the backend's copy");
  add_common(*rupdate, opts);
  rupdate->add_option("executable", r_executable, "the program to deploy")->check(CLI::ExistingFile);
  auto* rlist = runtime->add_subcommand("list", "List the published runtimes");
  add_common(*rlist, opts);
  auto* rdelete = runtime->add_subcommand("delete", "Delete published runtimes by build id");
  add_common(*rdelete, opts);
  rdelete->add_option("build_ids", r_ids, "build ids (as `lithops runtime list` prints them)");
  rdelete->add_flag("--all", r_all, "delete every published runtime");

  CLI11_PARSE(app, argc, argv);
  try {
    if (*hello) return lithops::cli::hello(opts, map_calls);
    if (*config) return lithops::cli::show_config(opts, schema);
    if (*clean) return lithops::cli::clean(opts);
    if (*put) return lithops::cli::storage_put(opts, s_file, s_bucket, s_key);
    if (*get) return lithops::cli::storage_get(opts, s_bucket, s_key, s_out);
    if (*del) return lithops::cli::storage_delete(opts, s_bucket, s_key, s_prefix);
    if (*list) return lithops::cli::storage_list(opts, s_bucket, s_prefix);
    if (*mkbucket) return lithops::cli::storage_mkbucket(opts, s_bucket);
    if (*deploy) return lithops::cli::runtime_deploy(opts, r_executable);
    if (*rupdate) return lithops::cli::runtime_update(opts, r_executable);
    if (*rlist) return lithops::cli::runtime_list(opts);
    if (*rdelete) return lithops::cli::runtime_delete(opts, r_ids, r_all);
  } catch (const std::exception& e) {
    // Lithops' own messages already start with "lithops"; others get the prefix.
    std::string what = e.what();
    std::cerr << (what.rfind("lithops", 0) == 0 ? "" : "lithops: ") << what << '\n';
    return 1;
  }
  return 0;
}
