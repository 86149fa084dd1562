#include "compute/remote/bootstrap.hpp"

#include <fmt/format.h>

#include "util/subprocess.hpp"

namespace lithops::detail {

namespace {

// A value placed inside double quotes: variables ($HOME) still expand, nothing else does.
std::string dquote_body(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\' || c == '`') out += '\\';
    out += c;
  }
  return out;
}

// Sets d (cache directory of this build) and f (the cached executable).
std::string locate(const BootstrapPlan& p) {
  return fmt::format("d=\"{}/runtimes/\"{}; f=\"$d\"/{}\n", dquote_body(p.cache_dir), shell_quote(p.build_id),
                     shell_quote(p.name));
}

// Succeeds when file $1 has the published hash.
std::string verify_fn(const BootstrapPlan& p) {
  return fmt::format("ok() {{ [ -f \"$1\" ] && printf '%s  %s\\n' {} \"$1\" | sha256sum -c --status 2>/dev/null; }}\n",
                     shell_quote(p.sha256));
}

}  // namespace

std::string bootstrap_script(const BootstrapPlan& p, const std::string& spec_line) {
  std::string s = "set -u\n";
  std::string exe;
  if (!p.runtime_path.empty()) {
    exe = fmt::format("\"{}\"", dquote_body(p.runtime_path));
  } else {
    s += locate(p) + verify_fn(p);
    s += "if ! ok \"$f\"; then\n";
    s += "  mkdir -p \"$d\" || exit 1\n  t=\"$d/.download.$(hostname).$$\"\n";
    if (p.url) {
      std::string url = shell_quote(*p.url);
      s += fmt::format(
          "  if command -v curl >/dev/null 2>&1; then curl -fsS --retry 5 --retry-delay 1 -o \"$t\" {0} </dev/null\n"
          "  else wget -q -t 5 -O \"$t\" {0} </dev/null; fi || {{ rm -f \"$t\"; "
          "echo \"lithops: cannot download runtime {1} from storage\" >&2; exit 1; }}\n",
          url, p.build_id);
    } else {
      s += fmt::format("  echo \"lithops: runtime {} is not cached on $(hostname)\" >&2; exit {}\n", p.build_id,
                       kNeedRuntimeExit);
    }
    s += fmt::format("  ok \"$t\" || {{ rm -f \"$t\"; echo \"lithops: runtime {} from storage does not have its "
                     "published sha256\" >&2; exit {}; }}\n",
                     p.build_id, kBadRuntimeExit);
    s += "  chmod 755 \"$t\" && mv -f \"$t\" \"$f\" || exit 1\nfi\n";
    exe = "\"$f\"";
  }
  if (spec_line.empty()) return s + "LITHOPS_AGENT=1 exec " + exe + "\n";
  return s + "LITHOPS_AGENT=1 exec " + exe + " <<'LITHOPS_AGENT_SPEC'\n" + spec_line + "\nLITHOPS_AGENT_SPEC\n";
}

std::string upload_script(const BootstrapPlan& p) {
  std::string s = "set -u\n" + locate(p) + verify_fn(p);
  s += "mkdir -p \"$d\" || exit 1\nt=\"$d/.upload.$(hostname).$$\"\ncat > \"$t\" || { rm -f \"$t\"; exit 1; }\n";
  s += fmt::format("ok \"$t\" || {{ rm -f \"$t\"; echo \"lithops: runtime {} arrived damaged\" >&2; exit {}; }}\n",
                   p.build_id, kBadRuntimeExit);
  s += "chmod 755 \"$t\" && mv -f \"$t\" \"$f\"\n";
  return s;
}

}  // namespace lithops::detail
