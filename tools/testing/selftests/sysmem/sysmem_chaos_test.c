// SPDX-License-Identifier: GPL-2.0
/*
 * Chaos: participants in separate processes killed with SIGKILL at random
 * moments of the negotiation flow.
 *
 * Each round has an initiator process, which allocates a token,
 * duplicates it (sometimes marking the duplicates dispensable) and sends
 * one duplicate over a unix socket to each of 2 or 3 participant
 * processes, then binds its own token.  Every process binds, sets
 * constraints, waits with a timeout, gets its buffers, maps one, writes
 * and reads it back, checks the collection's state and leaves cleanly.
 * Meanwhile the test kills 0 to 3 of them (any of them, the initiator
 * included) once the victim has reached a random step, after a random
 * delay.  The processes are workers that live across rounds (a fork
 * costs much under TCG); only the killed ones are forked again.  Rounds
 * run in two lanes side by side, each with its own workers.
 *
 * Every process publishes the step it is about to start in shared
 * memory, so once a victim is dead the test knows the last step it
 * began.  The survivors must see what Documentation/sysmem promises:
 * never a hang; with no kill, the buffers; with a victim killed before
 * it set its constraints (so before allocation), the collection FAILED
 * with SYSMEM_FAIL_PARTICIPANT_LOST; with only dispensable participants
 * killed after they saw the allocation, the collection still ALLOCATED;
 * otherwise ALLOCATED or FAILED with that reason.  After every round
 * (of each lane), with the victims dead and the survivors idle, every fd
 * of theirs closed, sysmem's debugfs objects must all be zero and the
 * system heap back to its baseline.
 *
 * Options (before the harness's own): --seed N, --seconds N (default
 * 35), --rounds N (run this many rounds instead of a time), --lanes N
 * (default 2); or the environment variables SYSMEM_CHAOS_SEED,
 * SYSMEM_CHAOS_SECONDS, SYSMEM_CHAOS_ROUNDS, SYSMEM_CHAOS_LANES.  A seed
 * replays the same choices (victims, steps, delays); where the kills
 * land depends on timing.  The summary prints the rounds run and the
 * step each kill landed in.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "libsysmem.h"
#include "sysmem_selftest.h"

#define CH_SECONDS	35
#define CH_MAX_PROCS	4		/* the initiator and 3 participants */
#define CH_LANES	2		/* rounds side by side */
#define CH_MAX_LANES	8
/* A survivor's wait: long enough for TCG, short of the harness alarm. */
#define CH_WAIT_NS	(20000 * MSEC_NS)
/* A round that takes longer than this is a hang. */
#define CH_ROUND_MS	60000

static unsigned long long ch_seed;
static unsigned int ch_seconds = CH_SECONDS;
static unsigned long ch_rounds;
static unsigned int ch_lanes = CH_LANES;

/* The step a process is about to start (or has started). */
enum {
	PH_START,	/* initiator: allocate and send; else: receive */
	PH_BIND,
	PH_CONSTRAIN,
	PH_WAIT,
	PH_USE,		/* get the result, map, write, read */
	PH_DONE,	/* check the state and leave */
	NR_PHASES,
	PH_FINISHED = NR_PHASES	/* every fd closed, waiting for a round */
};

static const char * const phase_name[NR_PHASES] = {
	"start", "bind", "constrain", "wait", "use", "done",
};

/* What one process of a round did, in memory shared with the test. */
struct ch_proc {
	int phase;		/* __atomic accesses only */
	int got_token;
	int has_coll;
	int bind_err;
	int cons_err;
	int wait_err;
	int result_err;
	int verified;		/* mapped, wrote and read back its pattern */
	int check_err;
	__u32 state, reason;	/* sysmem_check() before leaving */
	/* The round's orders, written by the test before it starts. */
	int dispensable;
	unsigned int nparts;	/* the initiator's participants */
	unsigned long long seed;
};

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static unsigned long long rnd(unsigned long long *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

static unsigned int rnd_below(unsigned long long *s, unsigned int n)
{
	return n ? (unsigned int)(rnd(s) % n) : 0;
}

/* A short random pause between steps, to spread the kills around. */
static void jitter(unsigned long long *s)
{
	if (rnd_below(s, 2))
		usleep(rnd_below(s, 400));
}

/* Publish the step about to start, and wake the test if it waits. */
static void set_phase(struct ch_proc *p, int phase)
{
	__atomic_store_n(&p->phase, phase, __ATOMIC_SEQ_CST);
	syscall(SYS_futex, &p->phase, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

static int get_phase(struct ch_proc *p)
{
	return __atomic_load_n(&p->phase, __ATOMIC_SEQ_CST);
}

/*
 * Wait up to 20 ms for the step of @p to change from @phase (the test
 * checks in between whether the process died).
 */
static void phase_wait(struct ch_proc *p, int phase)
{
	struct timespec ts = { .tv_nsec = 20 * MSEC_NS };

	syscall(SYS_futex, &p->phase, FUTEX_WAIT, phase, &ts, NULL, 0);
}

/*
 * A participant's flow after it has its token: bind, constraints, wait,
 * buffers, state, clean leave.  Errors are recorded, not fatal: they are
 * what the test looks at.
 */
static void participate(int dev, int token, struct ch_proc *p,
			unsigned int idx, unsigned long long *s)
{
	struct sysmem_buffer_constraints c;
	int coll, fds[SYSMEM_MAX_BUFFERS], ret;
	unsigned int count = 0, nfds = 0, i;
	size_t len = page_size();
	unsigned char *map;

	set_phase(p, PH_BIND);
	jitter(s);
	coll = sysmem_bind(dev, token);
	close(token);
	if (coll < 0) {
		p->bind_err = coll;
		return;
	}
	p->has_coll = 1;
	if (rnd_below(s, 2))
		sysmem_set_name(coll, idx, "chaos");

	set_phase(p, PH_CONSTRAIN);
	jitter(s);
	cons_init(&c, USAGE_RW, 1, len * (1 + rnd_below(s, 4)));
	p->cons_err = sysmem_set_constraints(coll, &c);

	set_phase(p, PH_WAIT);
	jitter(s);
	if (!p->cons_err)
		p->wait_err = sysmem_wait(coll, CH_WAIT_NS);

	set_phase(p, PH_USE);
	jitter(s);
	if (!p->cons_err && !p->wait_err) {
		ret = sysmem_get_result(coll, NULL, fds, SYSMEM_MAX_BUFFERS,
					&count, &nfds);
		p->result_err = ret;
		if (!ret && nfds) {
			map = mmap(NULL, len, PROT_READ | PROT_WRITE,
				   MAP_SHARED, fds[0], 0);
			if (map != MAP_FAILED) {
				jitter(s);
				/* Each process its own bytes of buffer 0. */
				memset(map + idx * 64, 0xa0 + idx, 64);
				p->verified = map[idx * 64] == 0xa0 + idx &&
					      map[idx * 64 + 63] == 0xa0 + idx;
				munmap(map, len);
			}
		}
		if (!ret)
			for (i = 0; i < nfds; i++)
				close(fds[i]);
	}

	set_phase(p, PH_DONE);
	p->check_err = sysmem_check(coll, &p->state, &p->reason);
	jitter(s);
	leave(coll);
}

static void initiator(int *socks, unsigned int n, struct ch_proc *procs,
		      unsigned long long *s)
{
	struct ch_proc *p = &procs[0];
	int dev, token, dup;
	unsigned int i;

	dev = sysmem_open();
	if (dev < 0)
		_exit(2);
	token = sysmem_alloc_token(dev);
	if (token < 0)
		_exit(3);
	p->got_token = 1;
	for (i = 1; i <= n; i++) {
		jitter(s);
		dup = sysmem_duplicate(token, SYSMEM_RIGHTS_SAME);
		if (dup < 0)
			_exit(4);
		if (procs[i].dispensable)
			sysmem_set_dispensable(dup);
		/* A participant that is gone already: its token dies here. */
		sysmem_send_token(socks[i], dup);
		close(dup);
		close(socks[i]);
	}
	participate(dev, token, p, 0, s);
	close(dev);
}

static void participant(int sock, struct ch_proc *p, unsigned int idx,
			unsigned long long *s)
{
	int dev, token;

	dev = sysmem_open();
	if (dev < 0)
		_exit(2);
	jitter(s);
	token = sysmem_recv_token(sock);
	close(sock);
	if (token < 0)
		return;		/* the initiator died first */
	p->got_token = 1;
	participate(dev, token, p, idx, s);
	close(dev);
}

/* Whether @pid has not exited yet (it is left to be reaped). */
/*
 * The processes of a round are workers that live across rounds (a fork
 * costs much under TCG): the test replaces only those it killed.  A
 * worker waits on its control socket for the round's unix socket ends,
 * plays its part, closes every fd it opened and says it has finished.
 */
struct ch_worker {
	pid_t pid;
	int ctl;
};

static void worker(int ctl, struct ch_proc *procs, unsigned int idx)
{
	int socks[CH_MAX_PROCS];
	unsigned long long s;
	unsigned int j;

	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		struct ch_proc *p = &procs[idx];

		socks[1] = sysmem_recv_token(ctl);
		if (socks[1] < 0)
			_exit(0);	/* the test is over */
		s = p->seed;
		if (idx) {
			participant(socks[1], p, idx, &s);
		} else {
			for (j = 2; j <= p->nparts; j++) {
				socks[j] = sysmem_recv_token(ctl);
				if (socks[j] < 0)
					_exit(5);
			}
			initiator(socks, p->nparts, procs, &s);
		}
		set_phase(p, PH_FINISHED);
	}
}

static int spawn(struct ch_worker *w, unsigned int idx, struct ch_proc *procs)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return -1;
	w[idx].pid = fork();
	if (w[idx].pid < 0)
		return -1;
	if (!w[idx].pid) {
		/*
		 * Only the test may hold the other workers' sockets (and the
		 * other lanes' round sockets): keep the control socket alone.
		 */
		if (dup2(sv[1], 3) < 0)
			_exit(6);
		close_range(4, ~0U, 0);
		worker(3, procs, idx);
	}
	close(sv[1]);
	w[idx].ctl = sv[0];
	return 0;
}

static bool finished(struct ch_proc *p)
{
	return get_phase(p) == PH_FINISHED;
}

/* Whether @pid has not exited (not reaped: its status stays). */
static bool running(pid_t pid)
{
	siginfo_t info = { 0 };

	if (waitid(P_PID, pid, &info, WEXITED | WNOHANG | WNOWAIT))
		return false;
	return !info.si_pid;
}

/* Whether @pid has exited; reaped then, with its status in *status. */
static bool reaped(pid_t pid, int *status)
{
	return waitpid(pid, status, WNOHANG) == pid;
}

struct ch_stats {
	unsigned long kills, missed, spawned;
	unsigned long long run_ns;
	unsigned long landed[NR_PHASES];
	unsigned long strict, allocated_rounds, failed_rounds;
};

/* Judge the survivors of a round; 0 when they saw what they should. */
static int judge(struct __test_metadata *_metadata, struct ch_proc *procs,
		 unsigned int nprocs, const bool *killed, bool strict,
		 bool protected, bool none_killed, unsigned int round)
{
	unsigned int i;
	int bad = 0;

	for (i = 0; i < nprocs; i++) {
		struct ch_proc *p = &procs[i];

		if (killed[i])
			continue;
#define BAD(fmt, ...) do { \
	TH_LOG("round %u, seed %llu, process %u: " fmt, round, ch_seed, i, \
	       ##__VA_ARGS__); \
	bad = 1; \
} while (0)
		if (!finished(p))
			BAD("stopped at step %s", phase_name[p->phase]);
		if (!p->has_coll) {
			/* No token (the initiator died) or bind refused. */
			if (none_killed)
				BAD("no collection: bind %d", p->bind_err);
			if (p->bind_err && p->bind_err != -EIO &&
			    p->bind_err != -ESTALE)
				BAD("bind: %d", p->bind_err);
			continue;
		}
		if (p->wait_err == -ETIMEDOUT)
			BAD("wait timed out: a hang");
		if (p->check_err)
			BAD("check: %d", p->check_err);
		if (p->cons_err && p->cons_err != -EIO)
			BAD("set constraints: %d", p->cons_err);
		if (p->wait_err && p->wait_err != -EIO)
			BAD("wait: %d", p->wait_err);
		/*
		 * Even a victim killed inside the set-constraints call that
		 * allocates (the heap gives up on the fatal signal) is a
		 * participant lost, not memory that ran out.
		 */
		if (p->state == SYSMEM_STATE_FAILED &&
		    p->reason != SYSMEM_FAIL_PARTICIPANT_LOST)
			BAD("failed with reason %u", p->reason);
		if (p->state == SYSMEM_STATE_PENDING)
			BAD("still pending after its wait");
		if (!p->wait_err && !p->cons_err && !p->result_err &&
		    !p->verified)
			BAD("buffer not written and read back");
		if (p->result_err && p->result_err != -EIO)
			BAD("get result: %d", p->result_err);
		if (none_killed &&
		    (p->state != SYSMEM_STATE_ALLOCATED || !p->verified))
			BAD("no kill, yet state %u reason %u verified %d",
			    p->state, p->reason, p->verified);
		if (strict && (p->state != SYSMEM_STATE_FAILED ||
			       (!p->cons_err && p->wait_err != -EIO)))
			BAD("a peer died before allocation, yet state %u wait %d",
			    p->state, p->wait_err);
		if (protected && (p->state != SYSMEM_STATE_ALLOCATED ||
				  !p->verified))
			BAD("only dispensable peers died after allocation, yet state %u reason %u",
			    p->state, p->reason);
#undef BAD
	}
	return bad;
}

static int settle(struct __test_metadata *_metadata,
		  const struct sysmem_heap_stats *heap, unsigned long round)
{
	struct sysmem_heap_stats st;
	struct sysmem_objects o;

	if (sysmem_objects_settle(5 * SETTLE_MS, &o)) {
		TH_LOG("round %lu, seed %llu: left behind:", round, ch_seed);
		TH_LOG("%lld collections %lld nodes %lld buffers",
		       o.collections, o.nodes, o.buffers);
		TH_LOG("%lld trackers %lld tracking fds", o.trackers,
		       o.tracking_fds);
		return -1;
	}
	if (sysmem_heap_settle("system", heap->buffers, 5 * SETTLE_MS, &st)) {
		TH_LOG("round %lu, seed %llu: system heap holds %llu buffers, %llu at start",
		       round, ch_seed, st.buffers, heap->buffers);
		return -1;
	}
	return 0;
}

/* One round; returns 0 when everything was as promised. */
/* One round; returns 0 when everything was as promised. */
static int round_run(struct __test_metadata *_metadata, struct ch_worker *w,
		     struct ch_proc *procs, unsigned int round,
		     unsigned long long *s, struct ch_stats *st)
{
	unsigned int nprocs = 3 + rnd_below(s, 2), nvict, i, j;
	bool killed[CH_MAX_PROCS] = { false }, sent[CH_MAX_PROCS] = { false };
	bool strict = false, protected, none_killed;
	int socks[CH_MAX_PROCS][2], victims[CH_MAX_PROCS];
	bool done[CH_MAX_PROCS] = { false };
	unsigned long long deadline, started = now_ns();
	int status, ret = 0;

	for (i = 0; i < nprocs; i++) {
		if (w[i].pid > 0)
			continue;
		if (spawn(w, i, procs))
			return -1;
		st->spawned++;
	}
	memset(procs, 0, CH_MAX_PROCS * sizeof(*procs));
	for (i = 0; i < nprocs; i++) {
		procs[i].seed = rnd(s);
		procs[i].dispensable = i && !rnd_below(s, 3);
	}
	procs[0].nparts = nprocs - 1;
	/* 0 victims in 1 round of 8, else 1, sometimes 2 or 3. */
	nvict = rnd_below(s, 8) ? 1 + !rnd_below(s, 4) + !rnd_below(s, 8) : 0;
	for (i = 0; i < nvict; i++) {
		victims[i] = rnd_below(s, nprocs);
		for (j = 0; j < i; j++)
			if (victims[j] == victims[i])
				victims[i] = -1;
	}

	/* Go: the initiator gets one end of each socket, each peer one. */
	for (i = 1; i < nprocs; i++)
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, socks[i]))
			return -1;
	for (i = 1; i < nprocs; i++)
		if (sysmem_send_token(w[0].ctl, socks[i][0]))
			return -1;
	for (i = 1; i < nprocs; i++) {
		if (sysmem_send_token(w[i].ctl, socks[i][1]))
			return -1;
		close(socks[i][0]);
		close(socks[i][1]);
	}

	/* Each victim once it has reached a random step, and a delay. */
	deadline = now_ns() + CH_ROUND_MS * MSEC_NS;
	for (i = 0; i < nvict; i++) {
		int v = victims[i], target = rnd_below(s, NR_PHASES), ph;
		unsigned int delay = rnd_below(s, 3) ? rnd_below(s, 2000) : 0;

		if (v < 0)
			continue;
		while ((ph = get_phase(&procs[v])) < target &&
		       running(w[v].pid) && now_ns() < deadline)
			phase_wait(&procs[v], ph);
		if (delay)
			usleep(delay);
		kill(w[v].pid, SIGKILL);
		sent[v] = true;
		st->kills++;
	}

	/* Every process finishes or dies; a hang is killed at the deadline. */
	for (i = 0; i < nprocs; i++) {
		if (sent[i]) {
			waitpid(w[i].pid, &status, 0);
			w[i].pid = 0;
			close(w[i].ctl);
			if (finished(&procs[i])) {
				st->missed++;
				continue;
			}
			killed[i] = true;
			st->landed[procs[i].phase]++;
			/* Nothing was allocated before it set constraints. */
			if (procs[i].phase < PH_CONSTRAIN)
				strict = true;
			continue;
		}
		while (!(done[i] = finished(&procs[i])) &&
		       !reaped(w[i].pid, &status) && now_ns() < deadline)
			phase_wait(&procs[i], get_phase(&procs[i]));
		if (done[i])
			continue;
		if (now_ns() >= deadline) {
			TH_LOG("round %u, seed %llu: process %u hangs at step %s",
			       round, ch_seed, i, phase_name[procs[i].phase]);
			kill(w[i].pid, SIGKILL);
			waitpid(w[i].pid, &status, 0);
		} else {
			TH_LOG("round %u, seed %llu: process %u ended with status %#x",
			       round, ch_seed, i, status);
		}
		w[i].pid = 0;
		close(w[i].ctl);
		ret = -1;
	}
	if (ret)
		return ret;

	none_killed = true;
	protected = true;
	for (i = 0; i < nprocs; i++) {
		if (!killed[i])
			continue;
		none_killed = false;
		/* It saw the allocation before it died. */
		if (!procs[i].dispensable || procs[i].phase < PH_USE ||
		    procs[i].cons_err || procs[i].wait_err)
			protected = false;
	}
	if (none_killed)
		protected = false;
	st->strict += strict;
	for (i = 0; i < nprocs; i++) {
		if (killed[i] || !procs[i].has_coll)
			continue;
		if (procs[i].state == SYSMEM_STATE_ALLOCATED)
			st->allocated_rounds++;
		else
			st->failed_rounds++;
		break;
	}
	st->run_ns += now_ns() - started;
	return judge(_metadata, procs, nprocs, killed, strict, protected,
		     none_killed, round);
}

/*
 * Rounds run in lanes, each with its own workers, side by side (a round
 * mostly waits): one round per lane, then the check that nothing is
 * left.
 */
struct ch_lane {
	pthread_t thread;
	struct __test_metadata *md;
	struct ch_worker w[CH_MAX_PROCS];
	struct ch_proc *procs;
	unsigned long long s;
	struct ch_stats st;
	unsigned long round;
	int ret;
};

static void *lane_round(void *arg)
{
	struct ch_lane *l = arg;

	l->ret = round_run(l->md, l->w, l->procs, l->round, &l->s, &l->st);
	return NULL;
}

TEST(chaos)
{
	unsigned long long start = now_ns(), t0;
	unsigned long long end = start + ch_seconds * 1000000000ULL;
	struct ch_lane lanes[CH_MAX_LANES] = { 0 };
	unsigned long rounds = 0, settle_ns = 0;
	struct sysmem_heap_stats heap;
	struct sysmem_objects o;
	struct ch_stats st = { 0 };
	struct ch_proc *procs;
	unsigned int i, l, p;
	char line[256];
	int n, ret = 0;

	if (!have_debugfs())
		SKIP(return, "no debugfs");
	ASSERT_EQ(0, sysmem_objects_settle(5 * SETTLE_MS, &o))
		TH_LOG("sysmem objects alive before the test");
	ASSERT_EQ(0, sysmem_read_heap_stats("system", &heap));
	procs = mmap(NULL, CH_MAX_LANES * CH_MAX_PROCS * sizeof(*procs),
		     PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, procs);
	for (l = 0; l < ch_lanes; l++) {
		lanes[l].md = _metadata;
		lanes[l].procs = procs + l * CH_MAX_PROCS;
		lanes[l].s = (ch_seed + l) * 0x9e3779b97f4a7c15ULL + 1;
	}

	do {
		for (l = 0; l < ch_lanes; l++) {
			lanes[l].round = rounds + l;
			ASSERT_EQ(0, pthread_create(&lanes[l].thread, NULL,
						    lane_round, &lanes[l]));
		}
		for (l = 0; l < ch_lanes; l++) {
			pthread_join(lanes[l].thread, NULL);
			ret |= lanes[l].ret;
		}
		rounds += ch_lanes;
		t0 = now_ns();
		if (!ret)
			ret = settle(_metadata, &heap, rounds - 1);
		settle_ns += now_ns() - t0;
	} while (!ret && (ch_rounds ? rounds < ch_rounds : now_ns() < end));

	/* The workers see the end of their control sockets and leave. */
	for (l = 0; l < ch_lanes; l++) {
		struct ch_stats *ls = &lanes[l].st;

		for (i = 0; i < CH_MAX_PROCS; i++) {
			if (lanes[l].w[i].pid <= 0)
				continue;
			close(lanes[l].w[i].ctl);
			waitpid(lanes[l].w[i].pid, NULL, 0);
		}
		st.kills += ls->kills;
		st.missed += ls->missed;
		st.spawned += ls->spawned;
		st.run_ns += ls->run_ns;
		st.strict += ls->strict;
		st.allocated_rounds += ls->allocated_rounds;
		st.failed_rounds += ls->failed_rounds;
		for (p = 0; p < NR_PHASES; p++)
			st.landed[p] += ls->landed[p];
	}
	n = snprintf(line, sizeof(line), "kills landed:");
	for (p = 0; p < NR_PHASES; p++)
		n += snprintf(line + n, sizeof(line) - n, " %s %lu",
			      phase_name[p], st.landed[p]);
	ksft_print_msg("seed %llu: %lu rounds in %llu s (%u lanes), %lu processes\n",
		       ch_seed, rounds, (now_ns() - start) / 1000000000ULL,
		       ch_lanes, st.spawned);
	ksft_print_msg("%lu kills sent, %lu of them after the victim had finished\n",
		       st.kills, st.missed);
	ksft_print_msg("%s\n", line);
	ksft_print_msg("time in rounds %llu ms (all lanes), in settling %lu ms\n",
		       st.run_ns / 1000000, settle_ns / 1000000);
	ksft_print_msg("victim killed before its constraints: %lu rounds\n",
		       st.strict);
	ksft_print_msg("survivors saw allocated: %lu rounds, failed: %lu\n",
		       st.allocated_rounds, st.failed_rounds);
	munmap(procs, CH_MAX_LANES * CH_MAX_PROCS * sizeof(*procs));
	ASSERT_EQ(0, ret);
}

static void parse_opts(int *argc, char **argv)
{
	const char *env;
	int i, j;

	ch_seed = now_ns() ^ getpid();
	env = getenv("SYSMEM_CHAOS_SEED");
	if (env)
		ch_seed = strtoull(env, NULL, 0);
	env = getenv("SYSMEM_CHAOS_SECONDS");
	if (env)
		ch_seconds = strtoul(env, NULL, 0);
	env = getenv("SYSMEM_CHAOS_ROUNDS");
	if (env)
		ch_rounds = strtoul(env, NULL, 0);
	env = getenv("SYSMEM_CHAOS_LANES");
	if (env)
		ch_lanes = strtoul(env, NULL, 0);
	for (i = 1, j = 1; i < *argc; i++) {
		if (i + 1 < *argc && !strcmp(argv[i], "--seed"))
			ch_seed = strtoull(argv[++i], NULL, 0);
		else if (i + 1 < *argc && !strcmp(argv[i], "--seconds"))
			ch_seconds = strtoul(argv[++i], NULL, 0);
		else if (i + 1 < *argc && !strcmp(argv[i], "--rounds"))
			ch_rounds = strtoul(argv[++i], NULL, 0);
		else if (i + 1 < *argc && !strcmp(argv[i], "--lanes"))
			ch_lanes = strtoul(argv[++i], NULL, 0);
		else
			argv[j++] = argv[i];
	}
	argv[j] = NULL;
	*argc = j;
	if (!ch_lanes || ch_lanes > CH_MAX_LANES)
		ch_lanes = CH_LANES;
}

int main(int argc, char **argv)
{
	parse_opts(&argc, argv);
	ksft_print_msg("seed %llu\n", ch_seed);
	/* The harness's alarm: the run time asked for, and slack. */
	_chaos_object.timeout = ch_rounds ? 3600 : ch_seconds + 120;
	return test_harness_run(argc, argv);
}
