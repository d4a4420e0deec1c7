using Microsoft.Extensions.Options;
using MimeKit;

namespace Afirgen.TaskProcessor.AfirgenTasks.Email;

/// <summary>Checks the SMTP settings (unless the demo pickup folder stands in for the server): a host, a port, a password with a user name, a sender address.</summary>
/// <param name="demoStandsIn">Whether mail goes to the demo pickup folder because no SMTP host is configured.</param>
internal sealed class SmtpOptionsValidator(bool demoStandsIn) : IValidateOptions<SmtpOptions>
{
    public ValidateOptionsResult Validate(string? name, SmtpOptions options)
    {
        var result = new ValidateOptionsResultBuilder();
        if (!demoStandsIn && string.IsNullOrWhiteSpace(options.Host))
        {
            result.AddError("Afirgen:Smtp:Host is not set: set the SMTP server mail goes out through (with Port, Security, UserName, Password, From), or on a development machine set Afirgen:Demo:Enabled=true to write mail to a folder.");
        }
        if (options.Port is < 1 or > 65535)
        {
            result.AddError($"Afirgen:Smtp:Port is {options.Port}; set the SMTP server's port, between 1 and 65535 (usually 587 for STARTTLS).");
        }
        if (!demoStandsIn && !string.IsNullOrEmpty(options.UserName) && string.IsNullOrEmpty(options.Password))
        {
            result.AddError("Afirgen:Smtp:Password is not set although Afirgen:Smtp:UserName is: set the password of that SMTP user, or clear Afirgen:Smtp:UserName for a server that needs no authentication.");
        }
        if (KeyVaultReference.IsUnresolved(options.Password))
        {
            result.AddError(KeyVaultReference.Unresolved(SmtpOptions.Section + ":Password"));
        }
        if (string.IsNullOrWhiteSpace(options.From) || !MailboxAddress.TryParse(options.From, out _))
        {
            result.AddError("Afirgen:Smtp:From is not an address: use the form AFIRGen <no-reply@example.org>.");
        }
        return result.Build();
    }
}
