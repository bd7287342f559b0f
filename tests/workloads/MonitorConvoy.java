// SPDX-License-Identifier: GPL-2.0
/*
 * A Java monitor convoy that measures its own waits, for perftop's tests
 * (tests/e2e/java_monitor.sh).  Run as a single-file program:
 *
 *   java MonitorConvoy.java THREADS HOLD_MS WARM_S SEC
 *
 * THREADS threads named "convoy-N" take one `synchronized` monitor in
 * turn, each holding it HOLD_MS asleep (Thread.sleep) and then sleeping
 * 1 ms outside it, so one holds it and the others queue in HotSpot's
 * monitor slow path.  Beside them, 4 threads named "pool-N" wait for work
 * on a LinkedBlockingQueue that one producer feeds every 2 ms: they park
 * as the convoy's waiters do (a futex wait on their own event), but for
 * work, not for a lock.
 *
 * Each convoy thread reads System.nanoTime() (CLOCK_MONOTONIC) around
 * every monitor enter.  The convoy runs WARM_S + SEC seconds (the first
 * WARM_S for perftop to find the JVM); then, on stdout, one JSON object:
 * {"calls": [[t0, t1], ...], "warm_end": T, "handed": N}: every enter's
 * start and return, when WARM_S ended, and the pool's items.
 */
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

public class MonitorConvoy {
	static final Object monitor = new Object();
	static volatile boolean stop;

	public static void main(String[] args) throws Exception {
		int n = Integer.parseInt(args[0]);
		long holdMs = Long.parseLong(args[1]);
		long warmMs = (long) (Double.parseDouble(args[2]) * 1000);
		long runMs = (long) (Double.parseDouble(args[3]) * 1000);
		List<List<long[]>> calls = new ArrayList<>();
		List<Thread> threads = new ArrayList<>();

		for (int i = 0; i < n; i++) {
			List<long[]> mine = new ArrayList<>();
			calls.add(mine);
			Thread t = new Thread(() -> {
				try {
					while (!stop) {
						long t0 = System.nanoTime();
						synchronized (monitor) {
							mine.add(new long[] { t0, System.nanoTime() });
							Thread.sleep(holdMs);
						}
						Thread.sleep(1);
					}
				} catch (InterruptedException e) {
				}
			}, "convoy-" + i);
			threads.add(t);
		}
		LinkedBlockingQueue<Integer> q = new LinkedBlockingQueue<>();
		AtomicLong handed = new AtomicLong();
		for (int i = 0; i < 4; i++) {
			Thread t = new Thread(() -> {
				try {
					while (!stop) {
						q.take();
						handed.incrementAndGet();
					}
				} catch (InterruptedException e) {
				}
			}, "pool-" + i);
			t.setDaemon(true);
			t.start();
		}
		Thread producer = new Thread(() -> {
			try {
				while (!stop) {
					q.put(1);
					Thread.sleep(2);
				}
			} catch (InterruptedException e) {
			}
		}, "producer");
		producer.setDaemon(true);
		producer.start();
		for (Thread t : threads)
			t.start();
		Thread.sleep(warmMs);
		long warmEnd = System.nanoTime();
		Thread.sleep(runMs);
		stop = true;
		for (Thread t : threads)
			t.join();
		StringBuilder sb = new StringBuilder("{\"calls\": [");
		boolean first = true;
		for (List<long[]> mine : calls)
			for (long[] c : mine) {
				sb.append(first ? "" : ", ").append('[').append(c[0])
				  .append(", ").append(c[1]).append(']');
				first = false;
			}
		sb.append("], \"warm_end\": ").append(warmEnd)
		  .append(", \"handed\": ").append(handed.get()).append('}');
		System.out.println(sb);
	}
}
