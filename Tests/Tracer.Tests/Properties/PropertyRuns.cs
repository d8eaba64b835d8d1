namespace Tracer.Tests.Properties;

/// <summary>
/// How many random cases a property test runs. CI runs a few hundred; <c>TRACER_PROPERTY_RUNS=10000</c> (see the
/// README) runs as many as asked. <c>TRACER_PROPERTY_SEED</c> replays one failing case: CsCheck prints the seed of
/// the smallest failing example it shrank to.
/// </summary>
internal static class PropertyRuns
{
    public static long Count(int ciDefault)
    {
        var text = Environment.GetEnvironmentVariable("TRACER_PROPERTY_RUNS");
        return long.TryParse(text, out long n) && n > 0 ? n : ciDefault;
    }

    public static string? Seed => Environment.GetEnvironmentVariable("TRACER_PROPERTY_SEED") is { Length: > 0 } s ? s : null;
}
