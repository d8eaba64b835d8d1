using CsCheck;

namespace Tracer.Tests.Properties;

/// <summary>
/// How the property tests draw their cases. The test command (and so CI) runs a fixed set: case i is generated from
/// the PCG seed (stream i, one fixed state), the same on every machine and every run, so a result changes only when
/// the code does. <c>TRACER_PROPERTY_RUNS=N</c> (see the README) explores instead: N fresh random cases through
/// CsCheck, which shrinks a failure to its smallest example and prints its seed. <c>TRACER_PROPERTY_SEED=s</c> replays
/// that seed first (a fixed-set failure names its seed too), then keeps exploring to shrink it.
/// </summary>
internal static class PropertyRuns
{
    /// <summary>The state of every fixed case's generator; the stream is the case number.</summary>
    private const ulong FixedState = 0x7261636572UL;

    public static long Count(int ciDefault) => Explored ?? ciDefault;

    private static long? Explored =>
        long.TryParse(Environment.GetEnvironmentVariable("TRACER_PROPERTY_RUNS"), out long n) && n > 0 ? n : null;

    public static string? Seed => Environment.GetEnvironmentVariable("TRACER_PROPERTY_SEED") is { Length: > 0 } s ? s : null;

    /// <summary>
    /// Checks <paramref name="property"/> on <paramref name="ciRuns"/> fixed cases of <paramref name="gen"/>, or
    /// explores with CsCheck when a seed or a number of runs is set. A slow property explores one case per
    /// <paramref name="exploreDivisor"/> runs asked for (at least <paramref name="ciRuns"/>).
    /// </summary>
    public static void Check<T>(Gen<T> gen, Action<T> property, int ciRuns, long exploreDivisor = 1)
    {
        if (Seed is not null || Explored is not null)
        {
            gen.Sample(property, seed: Seed, iter: Math.Max(ciRuns, Count(ciRuns) / exploreDivisor), threads: 1);
            return;
        }
        for (uint i = 0; i < ciRuns; i++)
        {
            var pcg = new PCG(i, FixedState);
            string seed = pcg.ToString();
            var value = gen.Generate(pcg, null, out _);
            try
            {
                property(value);
            }
            catch (Exception e)
            {
                throw new AssertFailedException(
                    $"fixed case {i} failed: {value}\nReplay it, and let CsCheck shrink it, with TRACER_PROPERTY_SEED={seed}", e);
            }
        }
    }
}
