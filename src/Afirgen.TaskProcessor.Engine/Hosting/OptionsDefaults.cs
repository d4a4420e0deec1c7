namespace Afirgen.TaskProcessor.Engine.Hosting;

/// <summary>
/// An application's defaults for the engine's options of type <typeparamref name="TOptions"/> (its queues, routes,
/// schedule): applied before the host's configuration is bound, so configuration adds to or overrides them, whatever
/// order the registrations ran in. Register with
/// <see cref="OptionsDefaultsRegistration.AddOptionsDefaults{TOptions}(Microsoft.Extensions.DependencyInjection.IServiceCollection, Action{TOptions})"/>.
/// </summary>
public sealed class OptionsDefaults<TOptions>(Action<TOptions> apply) where TOptions : class
{
    /// <summary>Writes the defaults into <paramref name="options"/>.</summary>
    public void ApplyTo(TOptions options) => apply(options);
}
