// Timings of Tracer.Distributed under mpirun, osu_allreduce style (warm-up, then the mean of many iterations,
// the slowest rank's time; also the fastest single call). Modes:
//   allreduce : MPI_Allreduce of float spans, 1 KB to 100 MB (the transport alone)
//   tree      : Communicator.AllReduceMean of a 10-leaf f32 tree of the same sizes (adds packing and new tensors)
//   digits    : milliseconds per digits training step (global batch 64): the fused single-process step on one
//               rank, the data-parallel step (gradient, all-reduce, update) on more, or with --parallel always
//   memcpy    : one process copying the same sizes (what moving the bytes through memory costs at all)
using System.Diagnostics;
using System.Globalization;
using DigitsClassifier;
using Tracer;
using Tracer.Distributed;

string mode = args.Length > 0 ? args[0] : "allreduce";
long[] sizes = [1 << 10, 1 << 16, 1 << 20, 10 << 20, 100 << 20];
if (mode == "memcpy")
{
    foreach (long bytes in sizes)
    {
        var from = new float[bytes / 4];
        var to = new float[bytes / 4];
        var t = TimeBoth(Iterations(bytes), () => from.AsSpan().CopyTo(to));
        Console.WriteLine(Row("memcpy", bytes, t.Mean, 1) + string.Create(CultureInfo.InvariantCulture, $"  min {t.Min * 1e6,10:F1} us"));
    }
    return 0;
}

var world = Communicator.World;
if (world.IsRoot) Console.WriteLine($"# {mode}, {world.Size} ranks; time = mean per call on the slowest rank");
if (mode == "digits")
{
    bool parallel = world.Size > 1 || args.Contains("--parallel");
    var training = new DigitsTraining(DigitsExample.DataPath, parallel ? new DataParallel(world) : null);
    for (int i = 0; i < 20; i++) training.Step(i);   // compile and warm up
    int steps = 200;
    double seconds = Slowest(world, Time(1, () => { for (int i = 20; i < 20 + steps; i++) training.Step(i); }) / steps);
    if (world.IsRoot) Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"digits step  ranks={world.Size} {(parallel ? "data-parallel" : "fused")}  {seconds * 1e3:F3} ms/step"));
}
else
{
    foreach (long bytes in sizes)
    {
        int n = (int)(bytes / 4);
        (double Mean, double Min) t;
        if (mode == "tree")
        {
            var leaves = new Tensor[10];
            for (int i = 0; i < leaves.Length; i++) leaves[i] = Tensor.Full(DType.Float32, world.Rank, n / 10);
            t = TimeBoth(Iterations(bytes), () => world.AllReduceMean(leaves));
        }
        else
        {
            var buffer = new float[n];
            t = TimeBoth(Iterations(bytes), () => world.AllReduceSum(buffer.AsSpan()));
        }
        double mean = Slowest(world, t.Mean), min = Slowest(world, t.Min);
        if (world.IsRoot) Console.WriteLine(Row(mode, bytes, mean, world.Size) + string.Create(CultureInfo.InvariantCulture, $"  min {min * 1e6,10:F1} us"));
    }
}
world.Dispose();
return 0;

static int Iterations(long bytes) => bytes <= 1 << 20 ? 200 : bytes <= 10 << 20 ? 20 : 5;

static double Time(int iterations, Action call) => TimeBoth(iterations, call).Mean;

// The mean (osu's statistic) and the fastest single call: on a machine shared with other jobs a descheduled rank
// inflates the mean by whole time slices, while the minimum still shows what the code itself costs.
static (double Mean, double Min) TimeBoth(int iterations, Action call)
{
    call();   // warm-up (and JIT)
    double total = 0, min = double.MaxValue;
    for (int i = 0; i < iterations; i++)
    {
        long start = Stopwatch.GetTimestamp();
        call();
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        total += seconds;
        min = Math.Min(min, seconds);
    }
    return (total / iterations, min);
}

static double Slowest(Communicator world, double seconds)
{
    // The slowest rank's time is the collective's time; a max via the sum of one-hot slots.
    var all = new double[world.Size];
    all[world.Rank] = seconds;
    world.AllReduceSum(all.AsSpan());
    return all.Max();
}

// algbw = bytes / time; busbw = algbw * 2 (n - 1) / n, NCCL's convention, the bytes each rank moves in a ring.
static string Row(string what, long bytes, double seconds, int ranks) => string.Create(CultureInfo.InvariantCulture,
    $"{what,-10} {bytes / 1024.0 / 1024.0,10:F3} MB  {seconds * 1e6,12:F1} us  algbw {bytes / seconds / 1e9,7:F2} GB/s  busbw {bytes / seconds / 1e9 * 2 * (ranks - 1) / Math.Max(ranks, 1),7:F2} GB/s");
