// A NAT gateway with one static public IP: the only way out to the internet for the apps when they are
// integrated into the virtual network (AFIRGen's MySQL and SMTP server, Application Insights). Their
// subnets are private (no default outbound access), so every outbound connection leaves from this one
// address, which AFIRGen's database firewall can allow.

@description('Name of the NAT gateway; its public IP is named <name>-ip.')
param name string

@description('Azure region of the gateway and its IP.')
param location string

@description('Tags applied to the gateway and its IP.')
param tags { *: string } = {}

@description('Minutes an idle outbound connection is kept (4-120).')
@minValue(4)
@maxValue(120)
param idleTimeoutInMinutes int = 4

resource publicIp 'Microsoft.Network/publicIPAddresses@2026-03-01' = {
  name: '${name}-ip'
  location: location
  tags: tags
  sku: {
    name: 'Standard'
  }
  properties: {
    publicIPAllocationMethod: 'Static'
    publicIPAddressVersion: 'IPv4'
  }
}

resource natGateway 'Microsoft.Network/natGateways@2026-03-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: 'Standard'
  }
  properties: {
    idleTimeoutInMinutes: idleTimeoutInMinutes
    publicIpAddresses: [
      {
        id: publicIp.id
      }
    ]
  }
}

@description('Name of the NAT gateway.')
output name string = natGateway.name

@description('Resource id of the NAT gateway.')
output resourceId string = natGateway.id

@description('The public IP address outbound connections come from.')
output ipAddress string = publicIp.properties.ipAddress
