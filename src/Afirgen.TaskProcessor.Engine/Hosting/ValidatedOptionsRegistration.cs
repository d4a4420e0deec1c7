using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.Engine.Hosting;

/// <summary>
/// The one way options are registered: bound to their section, checked by an <see cref="IValidateOptions{TOptions}"/>
/// class named after them (<c>&lt;Options&gt;Validator</c>), and checked at start-up, so a wrong setting stops the host
/// with a sentence saying what to fix instead of failing the first task that reads it.
/// </summary>
public static class ValidatedOptionsRegistration
{
    /// <summary>Binds <typeparamref name="TOptions"/> to <paramref name="section"/> and checks it with <typeparamref name="TValidator"/> at start-up.</summary>
    public static OptionsBuilder<TOptions> AddValidatedOptions<TOptions, TValidator>(this IServiceCollection services, string section)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, TValidator>());
        return services.AddOptions<TOptions>().BindConfiguration(section).ValidateOnStart();
    }

    /// <summary>
    /// As <see cref="AddValidatedOptions{TOptions, TValidator}(IServiceCollection, string)"/>, with a validator built by the
    /// caller (one that depends on what registration found, such as whether a demo stand-in replaces a back-end).
    /// </summary>
    public static OptionsBuilder<TOptions> AddValidatedOptions<TOptions>(this IServiceCollection services, string section, IValidateOptions<TOptions> validator)
        where TOptions : class
    {
        services.AddSingleton(validator);
        return services.AddOptions<TOptions>().BindConfiguration(section).ValidateOnStart();
    }
}
