/* The compiler's inner loop in C: replays of candidate schedules over one window.
 *
 * A transcription of optimizer.simulate.advance (the reference semantics) and of the search's replay loops
 * in optimizer.compile.kernel (the pure-Python kernel, which is what runs where this extension was not built).
 * Every floating-point operation is written in the same order as in Python and the build turns off FMA
 * contraction (-ffp-contract=off), so results are bit for bit those of the Python code; the tests check it
 * slot by slot against optimizer.simulate.advance on real days and random cases.
 *
 * Kernel(load, pv, import_price, export_price, slot_cell, n_cells, dt_h, capacity_kwh, max_charge_kw,
 *        max_discharge_kw, charge_efficiency, discharge_efficiency, max_soc_pct, export_limit_kw,
 *        import_limit_kw, degradation_cost_per_kwh, initial_soc_kwh)
 *   add_mode(code, min_soc_pct, fd_soc_pct, fd_pwr_kw, max_soc_pct) -> mode id
 *   step(mode, soc_kwh, slot) -> (grid_import, grid_export, charge, discharge, clipped, soc_end)
 *   set_base(cell_modes) -> (cost, soc_end)            the current schedule, cached per slot
 *   base_soc(slot) -> soc_kwh at the slot's start      of the cached schedule
 *   candidate(c0, c1, mode) -> (head, soc_end) | None   cells c0..c1 taking mode: prefix[start] + cost
 *   count(c0, c1, mode, uncounted, start_minute, slot_minutes) -> groups
 *   sweep(order, ends, i, j_end, mode, soc_kwh, cost) -> ([cost...], [soc...]) at each run end (dp)
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdlib.h>
#include <string.h>

enum { SELF_USE = 0, FEEDIN = 1, BACKUP = 2, FORCE_CHARGE = 3, FORCE_DISCHARGE = 4 };

typedef struct {
    int code;
    double min_soc, fd_soc, fd_pwr, max_soc;
} Mode;

typedef struct {
    PyObject_HEAD
    Py_ssize_t n, n_cells;
    double *load, *pv, *imp, *exp;
    int *slot_cell;
    double dt, cap, max_ch, max_dis, eta_c, eta_d, max_soc_pct, exp_lim, imp_lim, wear, soc0;
    Mode *modes;
    Py_ssize_t n_modes, modes_room;
    int has_base;
    int *labels;    /* per cell: the mode id of the current schedule */
    double *soc_at; /* n + 1: energy at each slot's start, then the end */
    double *costs;  /* n */
    double *prefix; /* n + 1 */
} Kernel;

typedef struct {
    double gi, ge, ch, dis, clip, soc;
} Flows;

static inline void advance(const Kernel *k, const Mode *m, double soc, double load, double pv, Flows *f) {
    const double cap = k->cap, eta_c = k->eta_c, eta_d = k->eta_d, dt = k->dt;
    if (load < 0.0) load = 0.0;
    if (pv < 0.0) pv = 0.0;
    double net = pv - load;
    double charge = 0.0, discharge = 0.0;
    int wm = m->code;
    if (wm == FORCE_CHARGE) {
        double target = m->fd_soc;
        if (m->max_soc < target) target = m->max_soc;
        if (k->max_soc_pct < target) target = k->max_soc_pct;
        double room = cap * target / 100.0 - soc;
        if (room > 0.0 && m->fd_pwr > 0.0) {
            charge = m->fd_pwr;
            if (k->max_ch < charge) charge = k->max_ch;
            double by_room = room / (eta_c * dt);
            if (by_room < charge) charge = by_room;
            double grid_need = (net > 0.0) ? ((charge > net) ? charge - net : 0.0) : charge - net;
            if (grid_need > k->imp_lim) {
                charge -= grid_need - k->imp_lim;
                if (charge < 0.0) charge = 0.0;
            }
        }
    } else if (wm == FORCE_DISCHARGE) {
        double floor_pct = (m->fd_soc > m->min_soc) ? m->fd_soc : m->min_soc;
        double avail = soc - cap * floor_pct / 100.0;
        if (avail > 0.0 && m->fd_pwr > 0.0) {
            discharge = m->fd_pwr;
            if (k->max_dis < discharge) discharge = k->max_dis;
            double by_energy = avail * eta_d / dt;
            if (by_energy < discharge) discharge = by_energy;
            double excess = pv + discharge - load - k->exp_lim;
            if (excess > 0.0) discharge = (discharge > excess) ? discharge - excess : 0.0;
        }
    } else if (net >= 0.0) {
        double ceiling = (m->max_soc < k->max_soc_pct) ? m->max_soc : k->max_soc_pct;
        double room = cap * ceiling / 100.0 - soc;
        if (room > 0.0) {
            double limit = k->exp_lim;
            double surplus = (wm == FEEDIN) ? ((net > limit) ? net - limit : 0.0) : net;
            charge = surplus;
            if (k->max_ch < charge) charge = k->max_ch;
            double by_room = room / (eta_c * dt);
            if (by_room < charge) charge = by_room;
        }
    } else if (wm != BACKUP) {
        double avail = soc - cap * m->min_soc / 100.0;
        if (avail > 0.0) {
            discharge = -net;
            if (k->max_dis < discharge) discharge = k->max_dis;
            double by_energy = avail * eta_d / dt;
            if (by_energy < discharge) discharge = by_energy;
        }
    }
    double residual = pv + discharge - load - charge;
    if (residual > 0.0) {
        double clipped = (residual > k->exp_lim) ? residual - k->exp_lim : 0.0;
        if (clipped > pv) clipped = pv;
        f->clip = clipped;
        f->ge = residual - clipped;
        f->gi = 0.0;
    } else {
        f->ge = 0.0;
        f->clip = 0.0;
        f->gi = -residual;
    }
    double soc_next = soc + charge * eta_c * dt - discharge / eta_d * dt;
    if (soc_next > cap)
        soc_next = cap;
    else if (soc_next < 0.0)
        soc_next = 0.0;
    f->ch = charge;
    f->dis = discharge;
    f->soc = soc_next;
}

static inline double slot_cost(const Kernel *k, const Flows *f, Py_ssize_t i) {
    return (f->gi * k->imp[i] - f->ge * k->exp[i] + (f->ch + f->dis) * k->wear) * k->dt;
}

/* ----- construction ---------------------------------------------------------------------------------- */

static int read_doubles(PyObject *seq, Py_ssize_t n, double **out, const char *name) {
    PyObject *fast = PySequence_Fast(seq, name);
    if (!fast) return -1;
    if (PySequence_Fast_GET_SIZE(fast) != n) {
        Py_DECREF(fast);
        PyErr_Format(PyExc_ValueError, "%s: expected %zd values", name, n);
        return -1;
    }
    *out = (double *)PyMem_Malloc(sizeof(double) * (size_t)(n > 0 ? n : 1));
    if (!*out) {
        Py_DECREF(fast);
        PyErr_NoMemory();
        return -1;
    }
    PyObject **items = PySequence_Fast_ITEMS(fast);
    for (Py_ssize_t i = 0; i < n; i++) {
        (*out)[i] = PyFloat_AsDouble(items[i]);
        if ((*out)[i] == -1.0 && PyErr_Occurred()) {
            Py_DECREF(fast);
            return -1;
        }
    }
    Py_DECREF(fast);
    return 0;
}

static int Kernel_init(Kernel *self, PyObject *args, PyObject *kwds) {
    (void)kwds;
    if (self->load) {
        PyErr_SetString(PyExc_RuntimeError, "a Kernel is initialised once");
        return -1;
    }
    PyObject *load, *pv, *imp, *exp, *cells;
    Py_ssize_t n_cells;
    if (!PyArg_ParseTuple(args, "OOOOOnddddddddddd", &load, &pv, &imp, &exp, &cells, &n_cells, &self->dt, &self->cap,
                          &self->max_ch, &self->max_dis, &self->eta_c, &self->eta_d, &self->max_soc_pct,
                          &self->exp_lim, &self->imp_lim, &self->wear, &self->soc0))
        return -1;
    Py_ssize_t n = PySequence_Size(load);
    if (n < 0) return -1;
    self->n = n;
    self->n_cells = n_cells;
    if (read_doubles(load, n, &self->load, "load") || read_doubles(pv, n, &self->pv, "pv") ||
        read_doubles(imp, n, &self->imp, "import_price") || read_doubles(exp, n, &self->exp, "export_price"))
        return -1;
    PyObject *fast = PySequence_Fast(cells, "slot_cell");
    if (!fast) return -1;
    if (PySequence_Fast_GET_SIZE(fast) < n) {
        Py_DECREF(fast);
        PyErr_SetString(PyExc_ValueError, "slot_cell: one cell per slot");
        return -1;
    }
    self->slot_cell = (int *)PyMem_Malloc(sizeof(int) * (size_t)(n > 0 ? n : 1));
    self->labels = (int *)PyMem_Malloc(sizeof(int) * (size_t)(n_cells > 0 ? n_cells : 1));
    self->soc_at = (double *)PyMem_Malloc(sizeof(double) * (size_t)(n + 1));
    self->costs = (double *)PyMem_Malloc(sizeof(double) * (size_t)(n > 0 ? n : 1));
    self->prefix = (double *)PyMem_Malloc(sizeof(double) * (size_t)(n + 1));
    if (!self->slot_cell || !self->labels || !self->soc_at || !self->costs || !self->prefix) {
        Py_DECREF(fast);
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        long c = PyLong_AsLong(PySequence_Fast_GET_ITEM(fast, i));
        if (c < 0 || c >= n_cells) {
            Py_DECREF(fast);
            if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "slot_cell: cell out of range");
            return -1;
        }
        self->slot_cell[i] = (int)c;
    }
    Py_DECREF(fast);
    return 0;
}

static void Kernel_dealloc(Kernel *self) {
    PyMem_Free(self->load);
    PyMem_Free(self->pv);
    PyMem_Free(self->imp);
    PyMem_Free(self->exp);
    PyMem_Free(self->slot_cell);
    PyMem_Free(self->modes);
    PyMem_Free(self->labels);
    PyMem_Free(self->soc_at);
    PyMem_Free(self->costs);
    PyMem_Free(self->prefix);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *Kernel_add_mode(Kernel *self, PyObject *args) {
    Mode m;
    if (!PyArg_ParseTuple(args, "idddd", &m.code, &m.min_soc, &m.fd_soc, &m.fd_pwr, &m.max_soc)) return NULL;
    if (self->n_modes == self->modes_room) {
        Py_ssize_t room = self->modes_room ? 2 * self->modes_room : 64;
        Mode *grown = (Mode *)PyMem_Realloc(self->modes, sizeof(Mode) * (size_t)room);
        if (!grown) return PyErr_NoMemory();
        self->modes = grown;
        self->modes_room = room;
    }
    self->modes[self->n_modes] = m;
    return PyLong_FromSsize_t(self->n_modes++);
}

static int check_mode(const Kernel *self, long mode) {
    if (mode < 0 || mode >= self->n_modes) {
        PyErr_SetString(PyExc_IndexError, "unknown mode id");
        return -1;
    }
    return 0;
}

/* ----- one step, for the tests ----------------------------------------------------------------------- */

static PyObject *Kernel_step(Kernel *self, PyObject *args) {
    long mode;
    double soc;
    Py_ssize_t i;
    if (!PyArg_ParseTuple(args, "ldn", &mode, &soc, &i)) return NULL;
    if (check_mode(self, mode)) return NULL;
    if (i < 0 || i >= self->n) {
        PyErr_SetString(PyExc_IndexError, "slot out of range");
        return NULL;
    }
    Flows f;
    advance(self, &self->modes[mode], soc, self->load[i], self->pv[i], &f);
    return Py_BuildValue("(dddddd)", f.gi, f.ge, f.ch, f.dis, f.clip, f.soc);
}

/* ----- the current schedule -------------------------------------------------------------------------- */

static PyObject *Kernel_set_base(Kernel *self, PyObject *labels) {
    PyObject *fast = PySequence_Fast(labels, "cell_modes");
    if (!fast) return NULL;
    if (PySequence_Fast_GET_SIZE(fast) != self->n_cells) {
        Py_DECREF(fast);
        PyErr_SetString(PyExc_ValueError, "cell_modes: one mode per cell");
        return NULL;
    }
    for (Py_ssize_t c = 0; c < self->n_cells; c++) {
        long v = PyLong_AsLong(PySequence_Fast_GET_ITEM(fast, c));
        if (v == -1 && PyErr_Occurred()) {
            Py_DECREF(fast);
            return NULL;
        }
        if (check_mode(self, v)) {
            Py_DECREF(fast);
            return NULL;
        }
        self->labels[c] = (int)v;
    }
    Py_DECREF(fast);
    double soc = self->soc0;
    Flows f;
    self->soc_at[0] = soc;
    self->prefix[0] = 0.0;
    for (Py_ssize_t i = 0; i < self->n; i++) {
        advance(self, &self->modes[self->labels[self->slot_cell[i]]], soc, self->load[i], self->pv[i], &f);
        soc = f.soc;
        self->costs[i] = slot_cost(self, &f, i);
        self->soc_at[i + 1] = soc;
        self->prefix[i + 1] = self->prefix[i] + self->costs[i];
    }
    self->has_base = 1;
    return Py_BuildValue("(dd)", self->prefix[self->n], soc);
}

static int need_base(const Kernel *self) {
    if (!self->has_base) {
        PyErr_SetString(PyExc_RuntimeError, "set_base first");
        return -1;
    }
    return 0;
}

static PyObject *Kernel_base_soc(Kernel *self, PyObject *arg) {
    Py_ssize_t i = PyLong_AsSsize_t(arg);
    if (i == -1 && PyErr_Occurred()) return NULL;
    if (need_base(self)) return NULL;
    if (i < 0 || i > self->n) {
        PyErr_SetString(PyExc_IndexError, "slot out of range");
        return NULL;
    }
    return PyFloat_FromDouble(self->soc_at[i]);
}

static int fast_longs(PyObject *const *args, Py_ssize_t nargs, Py_ssize_t want, long *out) {
    if (nargs != want) {
        PyErr_Format(PyExc_TypeError, "expected %zd arguments, got %zd", want, nargs);
        return -1;
    }
    for (Py_ssize_t a = 0; a < want; a++) {
        out[a] = PyLong_AsLong(args[a]);
        if (out[a] == -1 && PyErr_Occurred()) return -1;
    }
    return 0;
}

/* Cells c0..c1 taking `mode`: replay from the first slot whose mode changes, from the cached energy there;
 * once past the last changed slot and back on the cached energy, the rest is the cached schedule (its costs
 * summed in the same order, so the result is the full replay's, bit for bit). */
static PyObject *Kernel_candidate(Kernel *self, PyObject *const *args, Py_ssize_t nargs) {
    long v[3];
    if (fast_longs(args, nargs, 3, v)) return NULL;
    long c0 = v[0], c1 = v[1], mode = v[2];
    if (need_base(self) || check_mode(self, mode)) return NULL;
    const Py_ssize_t n = self->n;
    const int *cell = self->slot_cell;
    const int *labels = self->labels;
    Py_ssize_t start = -1, last = -1;
    for (Py_ssize_t i = 0; i < n; i++) {
        int c = cell[i];
        if (c >= c0 && c <= c1 && labels[c] != mode) {
            if (start < 0) start = i;
            last = i;
        }
    }
    if (start < 0) Py_RETURN_NONE;
    const Mode *changed = &self->modes[mode];
    double soc = self->soc_at[start];
    double cost = 0.0;
    Flows f;
    Py_ssize_t i = start;
    for (; i < n; i++) {
        if (i > last && soc == self->soc_at[i]) break;
        int c = cell[i];
        const Mode *m = (c >= c0 && c <= c1) ? changed : &self->modes[labels[c]];
        advance(self, m, soc, self->load[i], self->pv[i], &f);
        soc = f.soc;
        cost += slot_cost(self, &f, i);
    }
    if (i < n) {
        for (; i < n; i++) cost += self->costs[i];
        soc = self->soc_at[n];
    }
    return Py_BuildValue("(dd)", self->prefix[start] + cost, soc);
}

/* Groups of the current cells with c0..c1 taking `mode` (optimizer.compile.clock.ClockWindow.group_count). */
static PyObject *Kernel_count(Kernel *self, PyObject *const *args, Py_ssize_t nargs) {
    long v[6];
    if (fast_longs(args, nargs, 6, v)) return NULL;
    long c0 = v[0], c1 = v[1], mode = v[2], uncounted = v[3], m0 = v[4], slot = v[5];
    if (need_base(self)) return NULL;
    const Py_ssize_t n = self->n_cells;
    const int *labels = self->labels;
    if (n == 0) return PyLong_FromLong(0);
#define LABEL(k) (((k) >= c0 && (k) <= c1) ? mode : (long)labels[(k)])
    long count = 0;
    Py_ssize_t begin = 0;
    long current = LABEL(0);
    for (Py_ssize_t k = 1; k <= n; k++) {
        if (k < n && LABEL(k) == current) continue;
        if (current != uncounted) count += (m0 + begin * slot < 1440 && 1440 < m0 + k * slot) ? 2 : 1;
        if (k < n) {
            begin = k;
            current = LABEL(k);
        }
    }
    if (m0 % 1440 != 0 && LABEL(0) == LABEL(n - 1) && LABEL(0) != uncounted) count -= 1;
#undef LABEL
    return PyLong_FromLong(count);
}

/* The dp's extension of a partial schedule: `mode` from `soc_kwh` over the slots order[ends[i-1]..ends[j]]
 * (runs i..j_end-1 in cell order), the cost and energy at the end of every run. */
static PyObject *Kernel_sweep(Kernel *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 7) {
        PyErr_SetString(PyExc_TypeError, "sweep(order, ends, i, j_end, mode, soc_kwh, cost)");
        return NULL;
    }
    Py_buffer order, ends;
    if (PyObject_GetBuffer(args[0], &order, PyBUF_SIMPLE) < 0) return NULL;
    if (PyObject_GetBuffer(args[1], &ends, PyBUF_SIMPLE) < 0) {
        PyBuffer_Release(&order);
        return NULL;
    }
    PyObject *result = NULL, *costs = NULL, *socs = NULL;
    Py_ssize_t i = PyLong_AsSsize_t(args[2]);
    Py_ssize_t j_end = PyLong_AsSsize_t(args[3]);
    long mode = PyLong_AsLong(args[4]);
    double soc = PyFloat_AsDouble(args[5]);
    double cost = PyFloat_AsDouble(args[6]);
    if (PyErr_Occurred() || check_mode(self, mode)) goto done;
    const int *slots = (const int *)order.buf;
    const int *bounds = (const int *)ends.buf;
    Py_ssize_t n_order = order.len / (Py_ssize_t)sizeof(int);
    Py_ssize_t n_ends = ends.len / (Py_ssize_t)sizeof(int);
    if (i < 0 || j_end > n_ends || i > j_end) {
        PyErr_SetString(PyExc_IndexError, "run out of range");
        goto done;
    }
    costs = PyList_New(j_end - i);
    socs = PyList_New(j_end - i);
    if (!costs || !socs) goto done;
    const Mode *m = &self->modes[mode];
    Flows f;
    Py_ssize_t pos = i > 0 ? bounds[i - 1] : 0;
    for (Py_ssize_t j = i; j < j_end; j++) {
        for (; pos < bounds[j]; pos++) {
            if (pos >= n_order || slots[pos] < 0 || slots[pos] >= self->n) {
                PyErr_SetString(PyExc_IndexError, "slot out of range");
                goto done;
            }
            Py_ssize_t s = slots[pos];
            advance(self, m, soc, self->load[s], self->pv[s], &f);
            soc = f.soc;
            cost += slot_cost(self, &f, s);
        }
        PyList_SET_ITEM(costs, j - i, PyFloat_FromDouble(cost));
        PyList_SET_ITEM(socs, j - i, PyFloat_FromDouble(soc));
    }
    result = PyTuple_Pack(2, costs, socs);
done:
    Py_XDECREF(costs);
    Py_XDECREF(socs);
    PyBuffer_Release(&order);
    PyBuffer_Release(&ends);
    return result;
}

static PyMethodDef Kernel_methods[] = {
    {"add_mode", (PyCFunction)Kernel_add_mode, METH_VARARGS, "Register a mode; returns its id."},
    {"step", (PyCFunction)Kernel_step, METH_VARARGS, "One slot of the semantics (for the tests)."},
    {"set_base", (PyCFunction)Kernel_set_base, METH_O, "Replay and cache the current schedule."},
    {"base_soc", (PyCFunction)Kernel_base_soc, METH_O, "Cached energy at a slot's start."},
    {"candidate", (PyCFunction)(void (*)(void))Kernel_candidate, METH_FASTCALL, "Replay a candidate."},
    {"count", (PyCFunction)(void (*)(void))Kernel_count, METH_FASTCALL, "Group count of a candidate."},
    {"sweep", (PyCFunction)(void (*)(void))Kernel_sweep, METH_FASTCALL, "The dp's run-by-run extension."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject KernelType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "optimizer.compile._kernel.Kernel",
    .tp_basicsize = sizeof(Kernel),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Replays of candidate schedules over one compile window (see optimizer.compile.kernel).",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Kernel_init,
    .tp_dealloc = (destructor)Kernel_dealloc,
    .tp_methods = Kernel_methods,
};

static struct PyModuleDef kernel_module = {
    PyModuleDef_HEAD_INIT, "_kernel", "The compiler's inner loop in C (see optimizer.compile.kernel).", -1,
    NULL, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__kernel(void) {
    if (PyType_Ready(&KernelType) < 0) return NULL;
    PyObject *m = PyModule_Create(&kernel_module);
    if (!m) return NULL;
    Py_INCREF(&KernelType);
    if (PyModule_AddObject(m, "Kernel", (PyObject *)&KernelType) < 0) {
        Py_DECREF(&KernelType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
