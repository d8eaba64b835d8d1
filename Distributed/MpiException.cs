namespace Tracer.Distributed;

/// <summary>An MPI call failed, MPI is not initialised, or ranks disagree; the message names the operation.</summary>
public class MpiException(string message) : Exception(message);

/// <summary>The replicas of a data-parallel model differ: some rank's parameters are not those of rank 0.</summary>
public sealed class ReplicaMismatchException(string message) : MpiException(message);
