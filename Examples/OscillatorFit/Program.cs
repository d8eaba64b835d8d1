// Recover the natural frequency and damping ratio of a damped oscillator from a noisy trajectory by
// differentiating the simulation itself: the integrator is an Ops.Scan, whose gradient is another scan.
// Run: dotnet run --project Examples/OscillatorFit [-- --fast] [--out DIR]
return OscillatorFit.OscillatorExample.Run(args);
