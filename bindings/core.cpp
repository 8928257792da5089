// migrasim._core: the thin pybind11 layer. The user-facing API is the Python package `migrasim`.
// Arrays are numpy views of C++ memory (no copies) whose base object keeps the owner alive.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "io/checkpoint.hpp"
#include "io/flee_case.hpp"
#include "io/hdf5_reader.hpp"
#include "io/hdf5_writer.hpp"
#include "io/param_docs.hpp"
#include "io/scenario.hpp"
#include "sim/errors.hpp"
#include "sim/memory_recorder.hpp"
#include "sim/record_log.hpp"
#include "sim/simulation.hpp"
#include "sim/version.hpp"
#include "studies/drill.hpp"
#include "studies/validation.hpp"

namespace py = pybind11;
using namespace migrasim;

namespace {

// A running simulation with its in-memory record, owned together.
struct PySimulation {
  std::shared_ptr<const io::ScenarioSpec> spec;     // as made (the file's provenance)
  std::shared_ptr<const io::ScenarioSpec> current;  // with the parameters set since (the base of the next)
  std::unique_ptr<Simulation> sim;
  MemoryRecorder record;
  int threads = 1;
  double wall_seconds = 0;
};

// A fresh simulation of `spec` on `threads` threads, recording into its own MemoryRecorder.
std::unique_ptr<PySimulation> new_simulation(std::shared_ptr<io::ScenarioSpec> spec, int threads) {
  if (threads < 1) throw InputError("threads must be >= 1, got " + std::to_string(threads));
  auto s = std::make_unique<PySimulation>();
  s->spec = spec;
  s->threads = threads;
  s->current = spec;
  s->sim = io::make_simulation(*spec, threads);
  s->sim->add_recorder(&s->record);
  return s;
}

template <class T>
py::array_t<T> view(const std::vector<T>& v, std::vector<py::ssize_t> shape, py::handle owner) {
  auto arr = py::array_t<T>(shape, v.data(), owner);
  arr.attr("setflags")(py::arg("write") = false);
  return arr;
}

void register_scenario(py::module_& m) {
  py::class_<io::ScenarioSpec, std::shared_ptr<io::ScenarioSpec>>(
      m, "ScenarioSpec", "A resolved, validated scenario (immutable).")
      .def_readonly("path", &io::ScenarioSpec::path)
      .def_readonly("text", &io::ScenarioSpec::text)
      .def_readonly("resolved_yaml", &io::ScenarioSpec::resolved_yaml)
      .def_readonly("start_date", &io::ScenarioSpec::start_date)
      .def_readonly("days", &io::ScenarioSpec::days)
      .def_readonly("seed", &io::ScenarioSpec::seed)
      .def_readonly("output_path", &io::ScenarioSpec::output_path)
      .def_readonly("warnings", &io::ScenarioSpec::warnings)
      .def_property_readonly("place_names",
                             [](const io::ScenarioSpec& s) {
                               std::vector<std::string> names;
                               for (const auto& p : s.world->places()) names.push_back(p.name);
                               return names;
                             })
      .def_property_readonly(
          "place_countries",
          [](const io::ScenarioSpec& s) {
            std::vector<std::string> codes;
            for (const auto& p : s.world->places())
              codes.push_back(s.world->countries()[static_cast<std::size_t>(p.country)].code);
            return codes;
          })
      .def_property_readonly("place_kinds",
                             [](const io::ScenarioSpec& s) {
                               std::vector<std::string> kinds;
                               for (const auto& p : s.world->places()) kinds.emplace_back(to_string(p.kind));
                               return kinds;
                             })
      .def_property_readonly("edge_names", [](const io::ScenarioSpec& s) { return s.world->route_names(); });
  m.def(
      "checkpoint_run",
      [](const std::string& path) {
        const io::CheckpointFile file(path);
        const io::CheckpointRun& run = file.header().run;
        if (run.scenario.empty())
          throw InputError(path +
                           ": a checkpoint of a Flee case run by `migrasim run --flee`; resume it with "
                           "`migrasim run --resume`");
        return py::make_tuple(run.scenario, run.sets, file.header().day);
      },
      py::arg("path"), "The scenario file, the overrides and the day a checkpoint holds.");
  m.def(
      "load_scenario",
      [](const std::string& path, const std::vector<std::string>& overrides) {
        return std::make_shared<io::ScenarioSpec>(io::load_scenario(path, overrides));
      },
      py::arg("path"), py::arg("overrides") = std::vector<std::string>{},
      "Load and validate a scenario file; overrides are 'key.path=value' strings as in `migrasim run "
      "--set`.");
}

void register_simulation(py::module_& m) {
  py::class_<PySimulation>(m, "Simulation", "A simulation of one resolved scenario.")
      .def(py::init([](std::shared_ptr<io::ScenarioSpec> spec, int threads) {
             return new_simulation(std::move(spec), threads);
           }),
           py::arg("scenario"), py::arg("threads") = 1)
      .def(
          "fork",
          [](const PySimulation& s, int threads) {
            if (threads < 0) throw InputError("threads must be >= 1, got " + std::to_string(threads));
            auto f = std::make_unique<PySimulation>();
            f->spec = s.spec;
            f->current = s.current;
            f->record = s.record;
            f->threads = threads > 0 ? threads : s.threads;
            f->wall_seconds = s.wall_seconds;
            f->sim = s.sim->fork({&f->record}, f->threads);
            return f;
          },
          py::arg("threads") = 0,
          "An independent copy (state and record so far); threads 0: the same number of threads.")
      .def(
          "checkpoint",
          [](const PySimulation& s, const std::string& path) {
            RecordLog log;  // the record so far, as the CLI's checkpoints keep it
            s.record.replay(log);
            io::CheckpointRun run;
            run.scenario = std::filesystem::absolute(s.spec->path).lexically_normal().string();
            run.sets = s.spec->overrides;
            const io::CheckpointHeader header{io::checkpoint_binary(), io::scenario_fingerprint(*s.spec),
                                              s.sim->day(), s.threads, run};
            py::gil_scoped_release release;
            io::write_checkpoint(path, header, *s.sim, &log);
          },
          py::arg("path"), "Write the state and the record so far to a checkpoint file (atomically).")
      .def_static(
          "resume",
          [](std::shared_ptr<io::ScenarioSpec> spec, const std::string& path, int threads) {
            if (threads < 1) throw InputError("threads must be >= 1, got " + std::to_string(threads));
            const io::CheckpointFile file(path);
            file.check(io::scenario_fingerprint(*spec));
            auto s = new_simulation(spec, threads);
            RecordLog log;
            file.restore(*s->sim, &log);
            log.replay(s->record);
            return s;
          },
          py::arg("scenario"), py::arg("path"), py::arg("threads") = 1,
          "The simulation a checkpoint holds, built from its scenario (checkpoint_run), on `threads` "
          "threads.")
      .def(
          "apply_event",
          [](PySimulation& s, const std::string& yaml) {
            s.sim->apply_event(io::read_event(*s.current, yaml, s.sim->day()));
          },
          py::arg("yaml"),
          "A route event (an entry of the scenario's events list, date optional) from the next day.")
      .def(
          "set",
          [](PySimulation& s, const std::string& assignment) {
            io::ParamChange c = io::change_param(*s.current, assignment);
            s.sim->change_params(c.mechanism, c.params.get(), "set " + assignment, c.value);
            s.current = std::move(c.spec);
          },
          py::arg("assignment"), "KEY=VALUE for a parameter marked changeable mid-run, from the next day.")
      .def_property_readonly("changeable_keys",
                             [](const PySimulation& s) { return io::changeable_keys(*s.current); })
      .def(
          "step",
          [](PySimulation& s, std::int32_t n) {
            const auto t0 = std::chrono::steady_clock::now();
            std::int32_t done = 0;
            {
              py::gil_scoped_release release;
              done = s.sim->step(n);
            }
            s.wall_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            return done;
          },
          py::arg("n") = 1, "Run up to n days (the GIL is released). Returns the number of days run.")
      .def_property_readonly("day", [](const PySimulation& s) { return s.sim->day(); })
      .def_property_readonly("days", [](const PySimulation& s) { return s.sim->days(); })
      .def_property_readonly("finished", [](const PySimulation& s) { return s.sim->finished(); })
      .def_property_readonly("threads", [](const PySimulation& s) { return s.threads; })
      .def_property_readonly("wall_seconds", [](const PySimulation& s) { return s.wall_seconds; })
      .def_property_readonly("agents", [](const PySimulation& s) { return s.sim->population().size(); })
      .def_property_readonly("spawned_total", [](const PySimulation& s) { return s.sim->spawned_total(); })
      // Current counts, as read-only views of the kernel's arrays (updated in place by step()).
      .def_property_readonly("population_counts",
                             [](py::object self) {
                               auto& s = self.cast<PySimulation&>();
                               const auto& v = s.sim->population_counts();
                               return view(v, {s.sim->world().place_count(), legal_status_count}, self);
                             })
      .def_property_readonly("stranded_counts",
                             [](py::object self) {
                               auto& s = self.cast<PySimulation&>();
                               return view(s.sim->stranded_counts(), {s.sim->world().place_count()}, self);
                             })
      .def_property_readonly("on_route_counts",
                             [](py::object self) {
                               auto& s = self.cast<PySimulation&>();
                               return view(s.sim->on_route_counts(), {s.sim->world().route_count()}, self);
                             })
      .def_property_readonly("flow_counts",
                             [](py::object self) {
                               auto& s = self.cast<PySimulation&>();
                               return view(s.sim->flow_counts(), {s.sim->world().route_count()}, self);
                             })
      // The record of all days run so far, copied out as arrays shaped (days, ...).
      .def("record",
           [](const PySimulation& s) {
             const auto days = static_cast<py::ssize_t>(s.record.days);
             const py::ssize_t places = s.sim->world().place_count(), routes = s.sim->world().route_count();
             auto copy = [](const std::vector<std::int64_t>& v, std::vector<py::ssize_t> shape) {
               return py::array_t<std::int64_t>(shape, v.data());
             };
             py::dict d;
             d["population"] = copy(s.record.population, {days, places, legal_status_count});
             d["stranded"] = copy(s.record.stranded, {days, places});
             d["on_route"] = copy(s.record.on_route, {days, routes});
             d["flow"] = copy(s.record.flow, {days, routes});
             d["spawned"] = copy(s.record.spawned, {days});
             // The models' own series: name -> dims, coords (labels per dim), long_name, units and values
             // shaped (days, *dims). Empty until the first step (the models declare them then).
             py::dict series;
             const auto& specs = s.record.series_specs();
             for (std::size_t k = 0; k < specs.size() && k < s.record.series.size(); ++k) {
               const SeriesSpec& spec = specs[k];
               std::vector<py::ssize_t> shape{days};
               for (const auto& labels : spec.coords)
                 shape.push_back(static_cast<py::ssize_t>(labels.size()));
               py::dict one;
               one["dims"] = spec.dims;
               one["coords"] = spec.coords;
               one["long_name"] = spec.long_name;
               one["units"] = spec.units;
               one["values"] = copy(s.record.series[k], shape);
               series[py::str(spec.name)] = one;
             }
             d["series"] = series;
             py::list events;
             for (const auto& e : s.record.events)
               events.append(py::dict(py::arg("day") = e.day, py::arg("name") = e.name,
                                      py::arg("action") = e.action, py::arg("target") = e.target,
                                      py::arg("value") = e.value,
                                      py::arg("routes_affected") = e.routes_affected));
             d["events"] = events;
             return d;
           })
      .def(
          "save",
          [](const PySimulation& s, const std::string& path, const std::string& command_line) {
            io::Hdf5Writer writer(path, s.spec->output);
            s.record.replay(writer);
            writer.add_agents(s.sim->agent_sample());
            writer.commit(io::Provenance{s.spec->path, s.spec->text, s.spec->resolved_yaml, s.spec->seed,
                                         s.threads, s.wall_seconds, command_line, s.spec->warnings});
          },
          py::arg("path"), py::arg("command_line") = "python",
          "Write everything recorded so far to an HDF5 file (the same layout as `migrasim run`).");
}

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "migrasim compiled core (private; use the `migrasim` package)";
  m.attr("__version__") = version_string;
  m.attr("git_describe") = git_describe;
  std::vector<std::string> statuses;
  for (int s = 0; s < legal_status_count; ++s) statuses.emplace_back(to_string(static_cast<LegalStatus>(s)));
  m.attr("LEGAL_STATUSES") = statuses;
  py::register_exception<InputError>(m, "ScenarioError", PyExc_ValueError);
  py::register_exception<InternalError>(m, "InternalError", PyExc_RuntimeError);
  register_scenario(m);
  register_simulation(m);
  m.def(
      "drill",
      [](const std::string& path, const std::vector<std::string>& overrides, const std::string& event,
         int ensemble, int threads) {
        studies::DrillReport r;
        {
          py::gil_scoped_release release;
          r = studies::run_drill(path, overrides, event, ensemble, threads);
        }
        auto spread = [](const studies::Spread& s) -> py::object {
          if (!s.available) return py::none();
          return py::dict(py::arg("mean") = s.mean, py::arg("min") = s.min, py::arg("max") = s.max);
        };
        py::list shelters, cuts;
        for (const auto& s : r.shelters)
          shelters.append(py::dict(py::arg("shelter") = s.name, py::arg("capacity") = s.capacity,
                                   py::arg("peak") = spread(s.peak), py::arg("peak_date") = s.peak_date,
                                   py::arg("days_over_capacity") = spread(s.days_over_capacity)));
        for (const auto& c : r.routes_cut)
          cuts.append(
              py::dict(py::arg("route") = c.route, py::arg("closed_on") = c.closed_on,
                       py::arg("days") = c.days < 0 ? py::object(py::none()) : py::object(py::int_(c.days))));
        py::dict d;
        d["event"] = r.event;
        d["onset_date"] = r.onset_date;
        d["ensemble"] = r.ensemble;
        d["seconds_per_run"] = r.seconds_per_run;
        d["displaced_total"] = spread(r.displaced_total);
        d["peak_in_shelters"] = spread(r.peak_in_shelters);
        d["peak_unsheltered"] = spread(r.peak_unsheltered);
        d["peak_unsheltered_date"] = r.peak_unsheltered_date;
        d["crossed_border"] = spread(r.crossed_border);
        d["still_displaced_30_days"] = spread(r.still_30);
        d["still_displaced_90_days"] = spread(r.still_90);
        d["still_displaced_365_days"] = spread(r.still_365);
        d["shelters"] = shelters;
        d["routes_cut"] = cuts;
        d["dates"] = r.dates;
        d["displaced"] = r.displaced;
        d["in_shelters"] = r.in_shelters;
        d["unsheltered"] = r.unsheltered;
        d["occupancy"] = r.occupancy;
        d["text"] = studies::format_drill(r);
        return d;
      },
      py::arg("path"), py::arg("overrides"), py::arg("event"), py::arg("ensemble"), py::arg("threads"),
      "The figures `migrasim drill` prints, as a dict (the GIL is released while the ensemble runs).");
  m.def(
      "validate",
      [](const std::string& path, const std::vector<std::string>& overrides, const std::string& observed,
         int seeds, int threads) {
        studies::ValidationRun r;
        {
          py::gil_scoped_release release;
          r = studies::run_validation(path, overrides, observed, seeds, threads);
        }
        std::vector<std::string> camps, dates;
        for (const auto& c : r.observed.camps) camps.push_back(c.name);
        for (std::size_t t = 0; t < r.observed.total.size(); ++t)
          dates.push_back(io::format_iso_date(r.start_day + static_cast<std::int64_t>(t)));
        std::vector<std::vector<double>> ard, rescaled, mase, observed_daily;  // [seed][camp + overall]
        for (const auto& s : r.scores) {
          std::vector<double> a, b, c;
          for (const auto& camp : s.camps)
            a.push_back(camp.ard), b.push_back(camp.ard_rescaled), c.push_back(camp.mase);
          a.push_back(s.ard), b.push_back(s.ard_rescaled), c.push_back(s.mase);
          ard.push_back(a), rescaled.push_back(b), mase.push_back(c);
        }
        for (const auto& c : r.observed.camps) observed_daily.push_back(c.daily);
        py::dict d;
        d["camps"] = camps;
        d["seeds"] = r.seeds;
        d["ard"] = ard;
        d["ard_rescaled"] = rescaled;
        d["mase"] = mase;
        d["dates"] = dates;
        d["observed"] = observed_daily;
        d["simulated_mean"] = r.mean_simulated;
        d["seconds_per_run"] = r.seconds_per_run;
        return d;
      },
      py::arg("path"), py::arg("overrides"), py::arg("observed"), py::arg("seeds"), py::arg("threads"),
      "What `migrasim validate` computes, as a dict (the GIL is released while the seeds run).");
  m.def(
      "flee_case_yaml",
      [](const std::string& dir, const std::string& simsetting, const std::string& relative_to) {
        std::vector<std::string> ignored;
        std::string text =
            io::flee_case_to_yaml(io::locate_flee_case(dir, simsetting), relative_to, &ignored);
        return py::make_tuple(std::move(text), std::move(ignored));
      },
      py::arg("dir"), py::arg("simsetting"), py::arg("relative_to"),
      "The scenario `migrasim import-flee` writes for a Flee case, with its paths relative to "
      "`relative_to`, and the warnings of reading it (the simsetting keys Flee does not read), as a tuple.");
  m.def(
      "params_json", [] { return io::params_json(io::registered_sections()); },
      "The parameter dictionary of every registered mechanism, as `migrasim params --format json` prints "
      "it.");
  m.def(
      "summarise_file", [](const std::string& path) { return io::summarise_file(path); }, py::arg("path"),
      "The text `migrasim info FILE` prints.");
}
