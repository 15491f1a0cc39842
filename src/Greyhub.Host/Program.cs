using Greyhub.Host;

return await GreyhubCommand.RunAsync(args);
