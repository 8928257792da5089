#include "io/checkpoint.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include "io/csv.hpp"
#include "sim/errors.hpp"
#include "sim/version.hpp"

namespace migrasim::io {

namespace {

constexpr char magic[20] = "MIGRASIM-CHECKPOINT";  // 19 letters and the terminating zero

struct Fnv {
  std::uint64_t h = 1469598103934665603ull;
  void add(const void* p, std::size_t n) {
    const auto* b = static_cast<const unsigned char*>(p);
    for (std::size_t i = 0; i < n; ++i) {
      h ^= b[i];
      h *= 1099511628211ull;
    }
  }
  void add(const std::string& s) {
    add(s.data(), s.size());
    add("\n", 1);
  }
  template <class T>
  void value(const T& v) {
    add(&v, sizeof v);
  }
};

void put_header(StateWriter& out, const CheckpointHeader& h) {
  out.section("checkpoint");
  out.fields(h.binary, h.fingerprint, h.day, h.threads);
  const CheckpointRun& r = h.run;
  out.fields(r.scenario, r.flee_dir, r.simsetting, r.sets, r.output, r.max_agents, r.checkpoint_every,
             r.checkpoint);
}

void get_header(StateReader& in, CheckpointHeader& h) {
  in.section("checkpoint");
  in.fields(h.binary, h.fingerprint, h.day, h.threads);
  CheckpointRun& r = h.run;
  in.fields(r.scenario, r.flee_dir, r.simsetting, r.sets, r.output, r.max_agents, r.checkpoint_every,
            r.checkpoint);
}

[[noreturn]] void io_error(const std::string& what, const std::string& path, int err) {
  throw InputError("cannot " + what + " the checkpoint '" + path + "': " + std::strerror(err));
}

}  // namespace

std::string checkpoint_binary() {
  return std::string("migrasim ") + version_string + " (" + git_describe + ")";
}

std::string scenario_fingerprint(const ScenarioSpec& spec, const std::string& temp_folder) {
  std::string yaml = spec.resolved_yaml;
  if (!temp_folder.empty())
    for (std::size_t at = yaml.find(temp_folder); at != std::string::npos; at = yaml.find(temp_folder, at))
      yaml.replace(at, temp_folder.size(), "<temporary folder>");
  Fnv f;
  f.add(yaml);
  f.value(spec.seed);
  f.value(spec.days);
  const World& world = *spec.world;
  for (const Country& c : world.countries()) f.add(c.code);
  for (const Place& p : world.places()) {
    f.add(p.name);
    f.value(p.country);
    f.value(p.lat_deg);
    f.value(p.lon_deg);
    f.value(p.population);
    f.value(p.capacity);
  }
  for (const Route& r : world.routes()) {
    f.value(r.a);
    f.value(r.b);
    f.value(r.distance_km);
    f.value(r.mode);
  }
  for (const Event& e : spec.events) {
    f.value(e.day);
    f.value(e.action);
    f.add(e.name);
    f.value(e.value);
    for (route_id r : e.routes) f.value(r);
  }
  for (const auto& m : spec.mechanisms) f.add(m.mechanism->name);
  return fmt::format("{:016x}", f.h);
}

void write_checkpoint(const std::string& path, const CheckpointHeader& header, const Simulation& simulation,
                      const RecordLog* log) {
  StateWriter out;
  put_header(out, header);
  simulation.save_state(out);
  if (log) {
    out.put(true);
    log->save_state(out);
  } else {
    out.put(false);
  }
  const std::vector<unsigned char>& body = out.bytes();
  Fnv hash;
  hash.add(body.data(), body.size());
  const std::uint64_t size = body.size();

  const std::string partial = partial_path(path);
  const int fd = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) io_error("create", partial, errno);
  auto write_all = [&](const void* p, std::size_t n) {
    const auto* b = static_cast<const unsigned char*>(p);
    while (n > 0) {
      const ssize_t w = ::write(fd, b, n);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        const int err = w < 0 ? errno : ENOSPC;
        ::close(fd);
        std::remove(partial.c_str());
        io_error("write", partial, err);
      }
      b += w;
      n -= static_cast<std::size_t>(w);
    }
  };
  write_all(magic, sizeof magic);
  write_all(&checkpoint_format, sizeof checkpoint_format);
  write_all(&size, sizeof size);
  write_all(body.data(), body.size());
  write_all(&hash.h, sizeof hash.h);
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const int err = errno;
    std::remove(partial.c_str());
    io_error("write", partial, err);
  }
  if (std::rename(partial.c_str(), path.c_str()) != 0) {
    const int err = errno;
    std::remove(partial.c_str());
    throw InputError("cannot rename '" + partial + "' to the checkpoint '" + path +
                     "': " + std::strerror(err));
  }
}

CheckpointFile::CheckpointFile(const std::string& path) : path_(path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_regular_file(path, ec))
    throw InputError("--resume: '" + path + "' is not a checkpoint file (" +
                     (fs::exists(path, ec) ? "not a regular file" : "no such file") + ")");
  std::ifstream f(path, std::ios::binary);
  if (!f) io_error("open", path, errno);
  char head[sizeof magic] = {};
  std::uint32_t format = 0;
  std::uint64_t size = 0, stored = 0;
  f.read(head, sizeof head);
  if (!f || std::memcmp(head, magic, sizeof magic) != 0)
    throw InputError("--resume: '" + path + "' is not a migrasim checkpoint (it does not begin with " +
                     std::string(magic) + ")");
  f.read(reinterpret_cast<char*>(&format), sizeof format);
  if (!f || format != checkpoint_format)
    throw InputError("--resume: '" + path + "': checkpoint format " + std::to_string(format) +
                     ", this migrasim reads format " + std::to_string(checkpoint_format));
  f.read(reinterpret_cast<char*>(&size), sizeof size);
  const auto file_size = static_cast<std::uint64_t>(fs::file_size(path, ec));
  if (!f || ec || size != file_size - sizeof magic - sizeof format - sizeof size - sizeof stored)
    throw InputError("--resume: '" + path +
                     "': the checkpoint is truncated or damaged (its size does not match)");
  body_.resize(size);
  f.read(reinterpret_cast<char*>(body_.data()), static_cast<std::streamsize>(size));
  f.read(reinterpret_cast<char*>(&stored), sizeof stored);
  Fnv hash;
  hash.add(body_.data(), body_.size());
  if (!f || hash.h != stored)
    throw InputError("--resume: '" + path + "': the checkpoint is damaged (its hash does not match)");
  StateReader in(body_.data(), body_.size(), path);
  get_header(in, header_);
  // The reader read the header; the state begins after it. A second reader finds the offset again.
  StateWriter again;
  put_header(again, header_);
  state_at_ = again.bytes().size();
}

void CheckpointFile::check(const std::string& fingerprint) const {
  if (header_.binary != checkpoint_binary())
    throw InputError("--resume: '" + path_ + "' was written by " + header_.binary + "; this is " +
                     checkpoint_binary() + " (a checkpoint resumes only under the binary that wrote it)");
  if (header_.fingerprint != fingerprint)
    throw InputError("--resume: '" + path_ + "' was written for another scenario (fingerprint " +
                     header_.fingerprint + ", the scenario now reads as " + fingerprint +
                     "): the scenario file, a file it reads, or the "
                     "Flee case changed since");
}

void CheckpointFile::restore(Simulation& simulation, RecordLog* log) const {
  StateReader in(body_.data() + state_at_, body_.size() - state_at_, path_);
  simulation.load_state(in);
  bool has_log = false;
  in.get(has_log);
  if (has_log) {
    RecordLog skipped;
    (log ? *log : skipped).load_state(in);
  }
  if (!in.at_end()) in.fail("more bytes after the recorded days");
}

}  // namespace migrasim::io
