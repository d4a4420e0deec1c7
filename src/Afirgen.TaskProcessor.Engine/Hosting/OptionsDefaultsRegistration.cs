using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.Engine.Hosting;

/// <summary>Registers an application's <see cref="OptionsDefaults{TOptions}"/> and binds options over them.</summary>
public static class OptionsDefaultsRegistration
{
    /// <summary>Adds defaults for <typeparamref name="TOptions"/>; several apply in the order they were added.</summary>
    public static IServiceCollection AddOptionsDefaults<TOptions>(this IServiceCollection services, Action<TOptions> apply) where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(apply);
        services.AddSingleton(new OptionsDefaults<TOptions>(apply));
        return services;
    }

    /// <summary>Applies the application's defaults, then binds <paramref name="section"/> over them.</summary>
    internal static OptionsBuilder<TOptions> BindConfigurationOverDefaults<TOptions>(this OptionsBuilder<TOptions> builder, string section)
        where TOptions : class =>
        builder
            .Configure<IEnumerable<OptionsDefaults<TOptions>>>((options, defaults) =>
            {
                foreach (var d in defaults)
                {
                    d.ApplyTo(options);
                }
            })
            .BindConfiguration(section);
}
